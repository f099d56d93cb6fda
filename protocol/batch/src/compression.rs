//! Channel compression: brotli, zstd or zlib at a chosen level, named by the channel's first
//! byte so derivation needs no configuration to read it.

use super::BatchError;
use std::{fmt, io::Read, str::FromStr};

/// Largest decompressed channel derivation accepts (and the batcher builds): a bound against
/// decompression bombs.
pub const MAX_CHANNEL_SIZE: usize = 16 * 1024 * 1024;

/// A compression algorithm; its discriminant is the channel's first byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Algorithm {
    /// Brotli (levels 0–11), 16 MiB window.
    Brotli = 1,
    /// Zstandard (levels 1–22).
    Zstd = 2,
    /// zlib / deflate (levels 0–9).
    Zlib = 3,
}

impl Algorithm {
    fn name(self) -> &'static str {
        match self {
            Self::Brotli => "brotli",
            Self::Zstd => "zstd",
            Self::Zlib => "zlib",
        }
    }

    fn levels(self) -> std::ops::RangeInclusive<u32> {
        match self {
            Self::Brotli => 0..=11,
            Self::Zstd => 1..=22,
            Self::Zlib => 0..=9,
        }
    }
}

/// An algorithm and its level, written `brotli-11`, `zstd-19`, `zlib-9`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Compression {
    /// The algorithm.
    pub algorithm: Algorithm,
    /// Its level.
    pub level: u32,
}

/// Brotli's window: 2^24 bytes, the largest standard window, so a whole channel is in reach.
const BROTLI_WINDOW_BITS: u32 = 24;

impl Compression {
    /// Compresses `data` into a channel: the algorithm byte, then the compressed bytes.
    pub fn compress(&self, data: &[u8]) -> Vec<u8> {
        let mut out = vec![self.algorithm as u8];
        match self.algorithm {
            Algorithm::Brotli => {
                let params = brotli::enc::BrotliEncoderParams {
                    quality: self.level as i32,
                    lgwin: BROTLI_WINDOW_BITS as i32,
                    size_hint: data.len(),
                    ..Default::default()
                };
                brotli::BrotliCompress(&mut &data[..], &mut out, &params).expect("writing to a Vec cannot fail");
            }
            Algorithm::Zstd => {
                let compressed = zstd::bulk::compress(data, self.level as i32).expect("a valid zstd level");
                out.extend_from_slice(&compressed);
            }
            Algorithm::Zlib => {
                let mut encoder = flate2::write::ZlibEncoder::new(out, flate2::Compression::new(self.level));
                std::io::Write::write_all(&mut encoder, data).expect("writing to a Vec cannot fail");
                out = encoder.finish().expect("writing to a Vec cannot fail");
            }
        }
        out
    }

    /// Decompresses a channel (any algorithm), refusing more than [`MAX_CHANNEL_SIZE`] bytes.
    pub fn decompress(channel: &[u8]) -> Result<Vec<u8>, BatchError> {
        let (&kind, data) = channel.split_first().ok_or(BatchError::Truncated("channel"))?;
        let reader: Box<dyn Read + '_> = match kind {
            1 => Box::new(brotli::Decompressor::new(data, 4096)),
            2 => Box::new(zstd::stream::read::Decoder::new(data).map_err(BatchError::Decompress)?),
            3 => Box::new(flate2::read::ZlibDecoder::new(data)),
            version => return Err(BatchError::UnknownVersion { what: "compression", version }),
        };
        let mut out = Vec::new();
        reader.take(MAX_CHANNEL_SIZE as u64 + 1).read_to_end(&mut out).map_err(BatchError::Decompress)?;
        if out.len() > MAX_CHANNEL_SIZE {
            return Err(BatchError::TooLarge);
        }
        Ok(out)
    }
}

impl Default for Compression {
    /// The default chosen by the compression benchmark (`docs/benchmarks/batch-compression.md`).
    fn default() -> Self {
        Self { algorithm: Algorithm::Brotli, level: 10 }
    }
}

impl fmt::Display for Compression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.algorithm.name(), self.level)
    }
}

/// Why a compression setting did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}: expected brotli-0..11, zstd-1..22 or zlib-0..9 (e.g. brotli-10)")]
pub struct ParseCompressionError(String);

impl FromStr for Compression {
    type Err = ParseCompressionError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = || ParseCompressionError(format!("unknown compression {text:?}"));
        let (name, level) = text.split_once('-').ok_or_else(error)?;
        let algorithm = [Algorithm::Brotli, Algorithm::Zstd, Algorithm::Zlib]
            .into_iter()
            .find(|algorithm| algorithm.name() == name.to_ascii_lowercase())
            .ok_or_else(error)?;
        let level: u32 = level.parse().map_err(|_| error())?;
        if !algorithm.levels().contains(&level) {
            return Err(ParseCompressionError(format!("level {level} is out of range for {name}")));
        }
        Ok(Self { algorithm, level })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_algorithm_round_trips() {
        let data: Vec<u8> = (0..50_000u32).flat_map(|i| (i % 251).to_be_bytes()).collect();
        for setting in ["brotli-10", "zstd-19", "zlib-9", "brotli-0", "zstd-1"] {
            let compression: Compression = setting.parse().unwrap();
            assert_eq!(compression.to_string(), setting);
            let channel = compression.compress(&data);
            assert!(channel.len() < data.len() / 4, "{setting} compresses");
            assert_eq!(Compression::decompress(&channel).unwrap(), data);
        }
    }

    #[test]
    fn rejects_bad_settings_and_data() {
        assert!("brotli-12".parse::<Compression>().unwrap_err().to_string().contains("out of range"));
        assert!("lz4-1".parse::<Compression>().is_err());
        assert!("zstd".parse::<Compression>().is_err());
        assert!(matches!(
            Compression::decompress(&[9, 1, 2]),
            Err(BatchError::UnknownVersion { what: "compression", version: 9 })
        ));
        assert!(matches!(Compression::decompress(&[2, 1, 2, 3]), Err(BatchError::Decompress(_))));
    }

    #[test]
    fn refuses_decompression_bombs() {
        let bomb = Compression { algorithm: Algorithm::Zstd, level: 3 }.compress(&vec![0u8; MAX_CHANNEL_SIZE + 1]);
        assert!(bomb.len() < 10_000);
        assert!(matches!(Compression::decompress(&bomb), Err(BatchError::TooLarge)));
    }
}
