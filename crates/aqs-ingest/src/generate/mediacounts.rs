//! Sample mediacounts files (data-formats §2.5): `other/mediacounts/daily/YYYY/
//! mediacounts.YYYY-MM-DD.v00.tsv.bz2` for every generated day, 25 columns sorted by path, with
//! file names the loaders must keep intact (non-ASCII, commas, quotes, parentheses, percent
//! signs, encoded as the dumps encode them: bytes 0x21–0x7E literal except `,`, the rest
//! `%XX`), every media type, a long tail of files requested on some days only (one file per
//! 20 articles of `--articles`, up to a million), and one malformed line a day.

use super::GenerateOptions;
use anyhow::{Context, Result};
use bzip2::Compression;
use bzip2::write::BzEncoder;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::fmt::Write as _;
use std::io::Write;
use std::path::PathBuf;

const NAMES: [&str; 12] = [
    "Example.jpg",
    "Café,_1900.jpg",
    "\"Quoted\"_(1999).png",
    "100%_Natural.svg",
    "Glycerol+Cu(OH)2.png",
    "Ödön's_map.tif",
    "日本の地図.gif",
    "Sound_of_rain.ogg",
    "Speech.oga",
    "Film_(1927).webm",
    "Book.djvu",
    "Data.json",
];

/// The dumps' `PercentEncoder`: bytes 0x21–0x7E stay (but `,`), the others become `%XX`.
fn encode(name: &str) -> String {
    let mut out = String::new();
    for b in name.bytes() {
        if (0x21..=0x7e).contains(&b) && b != b',' {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The sample's files: a path for each name in a few directories.
fn paths(count: usize) -> Vec<String> {
    let mut paths: Vec<String> = (0..count)
        .map(|i| {
            let name = NAMES[i % NAMES.len()];
            let name = if i < NAMES.len() { name.to_string() } else { format!("{i}_{name}") };
            format!("/wikipedia/commons/{:x}/{:02x}/{}", i % 16, i % 256, encode(&name))
        })
        .collect();
    paths.sort();
    paths
}

/// Writes the mediacounts files of the generated days; returns (files, lines, bytes).
pub fn generate(options: &GenerateOptions) -> Result<(Vec<PathBuf>, u64, u64)> {
    let (mut files, mut lines, mut bytes) = (Vec::new(), 0u64, 0u64);
    let paths = paths((options.articles / 20).clamp(NAMES.len(), 1_000_000));
    for offset in 0..options.days {
        let day = options.start.add_days(offset as i32);
        let mut rng = ChaCha8Rng::seed_from_u64(
            options.seed ^ 0x0003_ed1a ^ u64::from(day.epoch_days() as u32),
        );
        let mut text = String::new();
        for (rank, path) in paths.iter().enumerate() {
            // A long tail, as media requests have: the first files are requested hundreds of
            // thousands of times a day, the 100,000th on about one day in six.
            let expected = 300_000.0 / (rank as f64 + 1.0).powf(1.25) * (0.5 + rng.random::<f64>());
            let total = expected as u64 + u64::from(rng.random::<f64>() < expected.fract());
            if total == 0 {
                continue;
            }
            let internal = ((total as f64) * (0.55 + 0.3 * rng.random::<f64>())) as u64;
            let external = (((total - internal) as f64) * (0.4 + 0.5 * rng.random::<f64>())) as u64;
            let unknown = total - internal - external;
            let _ = writeln!(
                text,
                "{path}\t{}\t{total}\t{}\t0\t-\t-\t{}\t0\t0\t0\t0\t0\t0\t-\t-\t0\t0\t0\t0\t-\t-\t{internal}\t{external}\t{unknown}",
                total * 50_000,
                total / 4,
                total - total / 4,
            );
        }
        text.push_str("/wikipedia/commons/f/ff/Truncated_line.jpg\t12\n");
        let dir = options.out.join("other/mediacounts/daily").join(format!("{:04}", day.year()));
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!(
            "mediacounts.{:04}-{:02}-{:02}.v00.tsv.bz2",
            day.year(),
            day.month(),
            day.day()
        ));
        let file = std::fs::File::create(&path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        let mut encoder = BzEncoder::new(file, Compression::fast());
        encoder.write_all(text.as_bytes())?;
        encoder.finish()?;
        lines += text.lines().count() as u64;
        bytes += std::fs::metadata(&path)?.len();
        files.push(path);
    }
    Ok((files, lines, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_encoded_as_the_dumps_encode_them() {
        assert_eq!(encode("Café,_1900.jpg"), "Caf%C3%A9%2C_1900.jpg");
        assert_eq!(encode("\"Quoted\"_(1999).png"), "\"Quoted\"_(1999).png");
        assert_eq!(encode("a b"), "a%20b");
        let all = paths(30);
        assert!(all.windows(2).all(|w| w[0] < w[1]), "sorted");
    }
}
