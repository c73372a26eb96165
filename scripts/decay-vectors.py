#!/usr/bin/env python3
"""Expected decay weights for src/numeric.rs's tests, computed independently
of any floating-point library: Python's decimal module at 60 significant
digits (exp and ln correctly rounded there), then rounded once to the
nearest double. Prints Rust table rows: (input bits, expected bits).

    python3 scripts/decay-vectors.py
"""
import struct
from decimal import Decimal, getcontext

getcontext().prec = 60
LN2 = Decimal(2).ln()


def bits(x: float) -> str:
    return "0x%016x" % struct.unpack("<Q", struct.pack("<d", x))[0]


def exp2(x: float) -> float:
    return float((Decimal(x) * LN2).exp())


def powi(base: float, n: int) -> float:
    return float(Decimal(base) ** n)


print("// exp2(-age / half_life): (x bits, 2^x bits)")
for half_life in [30.0, 90.0, 180.0, 365.25]:
    for age in [0.0, 0.5, 1.0, 7.0, 30.0, 45.25, 180.0, 365.0, 1000.0, 3652.5]:
        x = -age / half_life
        print(f"({bits(x)}, {bits(exp2(x))}),")
print("// powi(1 - rate, days): (base bits, days, result bits)")
for rate in [0.005, 0.01, 0.1]:
    base = 1.0 - rate
    for days in [1, 2, 7, 30, 365, 1000, 3650]:
        print(f"({bits(base)}, {days}, {bits(powi(base, days))}),")
