//! CARv1 archives of an epoch (for `ipfs dag import`), written and read with `iroh-car`.

use cid::Cid;
use futures::executor::block_on;
use iroh_car::{CarHeader, CarReader, CarWriter};

/// A CARv1 with `root` as its single root and `blocks` in the given order.
pub fn write_car(root: Cid, blocks: &[(Cid, &[u8])]) -> Result<Vec<u8>, iroh_car::Error> {
    block_on(async {
        let mut writer = CarWriter::new(CarHeader::new_v1(vec![root]), Vec::new());
        for (cid, data) in blocks {
            writer.write(*cid, data).await?;
        }
        writer.finish().await
    })
}

/// The contents of a CAR: its roots and its blocks in file order.
pub type CarContents = (Vec<Cid>, Vec<(Cid, Vec<u8>)>);

/// The roots and blocks of a CARv1.
pub fn read_car(bytes: &[u8]) -> Result<CarContents, iroh_car::Error> {
    block_on(async {
        let mut reader = CarReader::new(bytes).await?;
        let roots = reader.header().roots().to_vec();
        let mut blocks = Vec::new();
        while let Some(block) = reader.next_block().await? {
            blocks.push(block);
        }
        Ok((roots, blocks))
    })
}
