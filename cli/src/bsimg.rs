//! Writing a release program as a `.bsimg` file (the format is [`device::image`]'s) and
//! reading one back for `bs inspect`.

use device::image::write::{Writer, record};
use device::image::{self, Architecture, Header};
use incremental::link::LinkTarget;
use incremental::release::Release;
use incremental::target::Target;
use sha2::{Digest, Sha256};

/// One input of a build and its SHA-256: `compiler`, `board`, `profile`, and each module by
/// its path.
pub type Input = (String, [u8; 32]);

/// The inputs of a release build of the modules `(path, text)` with `compiler` for `board`.
pub fn inputs<'a>(
    compiler: &str,
    board: &str,
    modules: impl Iterator<Item = (&'a str, &'a str)>,
) -> Vec<Input> {
    let hash = |bytes: &[u8]| -> [u8; 32] { Sha256::digest(bytes).into() };
    let mut inputs = vec![
        ("compiler".to_string(), hash(compiler.as_bytes())),
        (format!("board {board}"), hash(board.as_bytes())),
        ("profile release".to_string(), hash(b"release")),
    ];
    inputs.extend(modules.map(|(path, text)| (format!("module {path}"), hash(text.as_bytes()))));
    inputs
}

/// The architecture of the images of code for `target`.
pub fn architecture(target: Target) -> Architecture {
    match target {
        Target::X64 => Architecture::X86_64,
        Target::Xtensa => Architecture::Xtensa,
    }
}

/// The image file of `release`, code of `architecture` linked for `target`, built from
/// `inputs`.
pub fn encode(
    release: &Release,
    architecture: Architecture,
    target: &LinkTarget,
    inputs: &[Input],
) -> Vec<u8> {
    let map = &target.memory;
    let img = &release.image;
    let mut writer = Writer::new(Header {
        architecture,
        runtime_version: u32::from(device::protocol::VERSION),
        code_base: map.code_base,
        data_base: map.data_base,
        entry: img.entry,
    });
    // Data loads as they are; the functions as one block of code, the gaps between them
    // (alignment) filled with `int3` (x86-64) or `ill` (Xtensa's all-zero instruction).
    let gap = match architecture {
        Architecture::X86_64 => 0xCC,
        Architecture::Xtensa => 0,
    };
    let mut code: Vec<u8> = Vec::new();
    let mut loads = img.loads.clone();
    loads.sort_by_key(|(addr, _)| *addr);
    for (addr, bytes) in loads {
        if addr >= map.code_base {
            let at = (addr - map.code_base) as usize;
            code.resize(at.max(code.len()), gap);
            code.splice(at..(at + bytes.len()).min(code.len()), bytes);
        } else {
            writer.section(image::SECTION_DATA, addr, bytes);
        }
    }
    writer.section(image::SECTION_CODE, map.code_base, code);
    writer.pairs(image::SECTION_SLOTS, &img.slots);
    writer.pairs(image::SECTION_ROOTS, &img.roots);
    let mut symbols = Vec::new();
    for (name, addr, size) in &release.functions {
        let head: Vec<u8> = addr
            .to_le_bytes()
            .into_iter()
            .chain(size.to_le_bytes())
            .collect();
        record(&mut symbols, &head, name);
    }
    writer.section(image::SECTION_SYMBOLS, 0, symbols);
    let mut hashes = Vec::new();
    for (name, hash) in inputs {
        record(&mut hashes, hash, name);
    }
    writer.section(image::SECTION_INPUTS, 0, hashes);
    writer.finish()
}

/// What `bs inspect` prints about the image `bytes`.
pub fn describe(bytes: &[u8]) -> Result<String, image::ImageError> {
    use std::fmt::Write;
    let img = image::Image::parse(bytes)?;
    let h = &img.header;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "image: {} bytes, format {}, runtime version {}, entry {:#010x}",
        bytes.len(),
        image::FORMAT_VERSION,
        h.runtime_version,
        h.entry
    );
    let _ = writeln!(
        out,
        "architecture: {} (code at {:#010x}, data at {:#010x})",
        h.architecture.name(),
        h.code_base,
        h.data_base
    );
    let _ = writeln!(out, "checksum: {:#010x} (valid)", crc(bytes));
    let _ = writeln!(out, "sections:");
    let mut symbols = Vec::new();
    let mut inputs = Vec::new();
    for section in img.sections() {
        let s = section?;
        let name = match s.kind {
            image::SECTION_CODE => "code",
            image::SECTION_DATA => "data",
            image::SECTION_SLOTS => "slots",
            image::SECTION_ROOTS => "roots",
            image::SECTION_SYMBOLS => "symbols",
            image::SECTION_INPUTS => "inputs",
            _ => "unknown",
        };
        let count = match s.kind {
            image::SECTION_SLOTS | image::SECTION_ROOTS => {
                format!(" ({} entries)", s.bytes.len() / 8)
            }
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "  {name:<8} {:#010x} {:>8} bytes{count}",
            s.addr,
            s.bytes.len()
        );
        match s.kind {
            image::SECTION_SYMBOLS => symbols.extend(image::records(s.bytes, 8)),
            image::SECTION_INPUTS => inputs.extend(image::records(s.bytes, 32)),
            _ => {}
        }
    }
    let _ = writeln!(out, "functions ({}):", symbols.len());
    for (head, name) in symbols {
        let addr = u32::from_le_bytes([head[0], head[1], head[2], head[3]]);
        let size = u32::from_le_bytes([head[4], head[5], head[6], head[7]]);
        let _ = writeln!(out, "  {addr:#010x} {size:>6} bytes  {name}");
    }
    let _ = writeln!(out, "inputs:");
    for (hash, name) in inputs {
        let _ = writeln!(out, "  {}  {name}", crate::store::hex(hash));
    }
    Ok(out)
}

/// The checksum stored at the end of an image.
fn crc(bytes: &[u8]) -> u32 {
    let tail = &bytes[bytes.len().saturating_sub(4)..];
    tail.try_into().map_or(0, u32::from_le_bytes)
}
