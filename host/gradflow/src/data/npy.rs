//! `.npy` decoding (f4 or f8, either byte order, C or Fortran order; 2-D for samples, any
//! rank for trajectories) and encoding.

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
    let dims = file.shape().len();
    if dims != 2 {
        return Err(FormatError::NpyDims(file.shape().to_vec()));
    }
    let (shape, data) = read_array(file, bytes.len())?;
    Ok(Samples {
        n: shape[0],
        d: shape[1],
        data,
    })
}

/// An array of any rank: its shape and its values in C (row-major) order.
pub(super) fn decode_nd(bytes: &[u8]) -> Result<(Vec<usize>, Vec<f64>), FormatError> {
    let file = NpyFile::new(bytes).map_err(npy_err)?;
    read_array(file, bytes.len())
}

/// The shape and the C-order values of an opened file of `file_len` bytes.
fn read_array(
    file: NpyFile<&[u8]>,
    file_len: usize,
) -> Result<(Vec<usize>, Vec<f64>), FormatError> {
    let raw_shape = file.shape().to_vec();
    let too_large = || FormatError::NpyTooLarge(raw_shape.clone());
    let shape = raw_shape
        .iter()
        .map(|&s| usize::try_from(s).map_err(|_| too_large()))
        .collect::<Result<Vec<usize>, _>>()?;
    let len = shape
        .iter()
        .try_fold(1usize, |acc, &s| acc.checked_mul(s))
        .ok_or_else(too_large)?;
    // Refuse a header that claims more values than the bytes could hold, before allocating.
    if len > file_len {
        return Err(FormatError::Npy(format!(
            "the header claims {len} values but the file has {file_len} bytes"
        )));
    }
    let order = file.order();
    let flat = values(file)?;
    if flat.len() != len {
        return Err(FormatError::Npy("the data is truncated".into()));
    }
    let data = match order {
        Order::C => flat,
        Order::Fortran => fortran_to_c(&shape, &flat),
    };
    Ok((shape, data))
}

/// Reorders Fortran-order values (first index fastest) into C order (last index fastest).
fn fortran_to_c(shape: &[usize], flat: &[f64]) -> Vec<f64> {
    // Fortran stride of each axis: the product of the sizes of the axes before it.
    let mut strides = Vec::with_capacity(shape.len());
    let mut stride = 1;
    for &s in shape {
        strides.push(stride);
        stride *= s;
    }
    let mut index = vec![0usize; shape.len()];
    let mut out = Vec::with_capacity(flat.len());
    for _ in 0..flat.len() {
        let at: usize = index.iter().zip(&strides).map(|(i, s)| i * s).sum();
        out.push(flat[at]);
        // Advance the multi-index in C order.
        for axis in (0..shape.len()).rev() {
            index[axis] += 1;
            if index[axis] < shape[axis] {
                break;
            }
            index[axis] = 0;
        }
    }
    out
}

/// The little-endian dtype `descr` (`<f4` or `<f8`).
fn little_endian(descr: &str) -> std::io::Result<DType> {
    let t: TypeStr = descr.parse().map_err(std::io::Error::other)?;
    Ok(DType::Plain(t))
}

pub(super) fn encode(s: &Samples, dtype: NpyDtype) -> Vec<u8> {
    encode_nd(&[s.n, s.d], &s.data, dtype)
}

/// The bytes of a C-order `.npy` file of the given shape (`data.len()` is the product of it).
pub(super) fn encode_nd(shape: &[usize], data: &[f64], dtype: NpyDtype) -> Vec<u8> {
    let shape: Vec<u64> = shape.iter().map(|&s| s as u64).collect();
    let mut out = Vec::with_capacity(128 + data.len() * 8);
    // Writing to a Vec<u8> cannot fail, so the io::Results below are always Ok.
    let written: std::io::Result<()> = match dtype {
        NpyDtype::F64 => (|| {
            let mut w = WriteOptions::<f64>::new()
                .dtype(little_endian("<f8")?)
                .shape(&shape)
                .writer(&mut out)
                .begin_nd()?;
            w.extend(data.iter().copied())?;
            w.finish()
        })(),
        NpyDtype::F32 => (|| {
            let mut w = WriteOptions::<f32>::new()
                .dtype(little_endian("<f4")?)
                .shape(&shape)
                .writer(&mut out)
                .begin_nd()?;
            w.extend(data.iter().map(|&v| v as f32))?;
            w.finish()
        })(),
    };
    debug_assert!(
        written.is_ok(),
        "writing .npy to memory failed: {written:?}"
    );
    out
}
