//! `.npy` decoding (2-D, f4 or f8, either byte order, C or Fortran order) and encoding.

use npyz::{DType, NpyFile, Order, TypeChar, TypeStr, WriteOptions, WriterBuilder};

use super::error::FormatError;
use super::samples::{NpyDtype, Samples};

fn npy_err(e: impl std::fmt::Display) -> FormatError {
    FormatError::Npy(e.to_string())
}

/// Reads every element as f64, converting from f4 when needed.
fn values(file: NpyFile<&[u8]>) -> Result<Vec<f64>, FormatError> {
    let dtype = file.dtype();
    let size = match &dtype {
        DType::Plain(t) if t.type_char() == TypeChar::Float => t.size_field(),
        _ => 0,
    };
    let read_err = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::UnexpectedEof => FormatError::Npy("the data is truncated".into()),
        _ => npy_err(e),
    };
    match size {
        8 => file
            .data::<f64>()
            .map_err(npy_err)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(read_err),
        4 => file
            .data::<f32>()
            .map_err(npy_err)?
            .map(|v| v.map(f64::from))
            .collect::<Result<Vec<_>, _>>()
            .map_err(read_err),
        _ => Err(FormatError::NpyDtype(dtype.descr())),
    }
}

pub(super) fn decode(bytes: &[u8]) -> Result<Samples, FormatError> {
    let file = NpyFile::new(bytes).map_err(npy_err)?;
    let shape = file.shape().to_vec();
    let [rows, cols] = shape[..] else {
        return Err(FormatError::NpyDims(shape));
    };
    let too_large = || FormatError::NpyTooLarge(shape.clone());
    let n = usize::try_from(rows).map_err(|_| too_large())?;
    let d = usize::try_from(cols).map_err(|_| too_large())?;
    let len = n.checked_mul(d).ok_or_else(too_large)?;
    // Refuse a header that claims more values than the bytes could hold, before allocating.
    if len > bytes.len() {
        return Err(FormatError::Npy(format!(
            "the header claims {len} values but the file has {} bytes",
            bytes.len()
        )));
    }
    let order = file.order();
    let flat = values(file)?;
    if flat.len() != len {
        return Err(FormatError::Npy("the data is truncated".into()));
    }
    let data = match order {
        Order::C => flat,
        // Fortran order stores column after column: element (i, j) is at j·n + i.
        Order::Fortran => (0..len).map(|k| flat[(k % d) * n + k / d]).collect(),
    };
    Ok(Samples { n, d, data })
}

/// The little-endian dtype `descr` (`<f4` or `<f8`).
fn little_endian(descr: &str) -> std::io::Result<DType> {
    let t: TypeStr = descr.parse().map_err(std::io::Error::other)?;
    Ok(DType::Plain(t))
}

pub(super) fn encode(s: &Samples, dtype: NpyDtype) -> Vec<u8> {
    let shape = [s.n as u64, s.d as u64];
    let mut out = Vec::with_capacity(128 + s.data.len() * 8);
    // Writing to a Vec<u8> cannot fail, so the io::Results below are always Ok.
    let written: std::io::Result<()> = match dtype {
        NpyDtype::F64 => (|| {
            let mut w = WriteOptions::<f64>::new()
                .dtype(little_endian("<f8")?)
                .shape(&shape)
                .writer(&mut out)
                .begin_nd()?;
            w.extend(s.data.iter().copied())?;
            w.finish()
        })(),
        NpyDtype::F32 => (|| {
            let mut w = WriteOptions::<f32>::new()
                .dtype(little_endian("<f4")?)
                .shape(&shape)
                .writer(&mut out)
                .begin_nd()?;
            w.extend(s.data.iter().map(|&v| v as f32))?;
            w.finish()
        })(),
    };
    debug_assert!(
        written.is_ok(),
        "writing .npy to memory failed: {written:?}"
    );
    out
}
