//! A minimal executable ELF for `qemu-system-xtensa -kernel`: a header and one loadable
//! segment per block of bytes.

/// `EM_XTENSA`.
const MACHINE_XTENSA: u16 = 94;
const HEADER: usize = 52;
const PROGRAM_HEADER: usize = 32;

/// An ELF32 little-endian executable loading each `(address, bytes)` segment at its address.
pub(crate) fn executable(entry: u32, segments: &[(u32, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&[0x7f, b'E', b'L', b'F', 1, 1, 1, 0]);
    out.extend_from_slice(&[0; 8]);
    let half = |out: &mut Vec<u8>, v: u16| out.extend_from_slice(&v.to_le_bytes());
    let word = |out: &mut Vec<u8>, v: u32| out.extend_from_slice(&v.to_le_bytes());
    half(&mut out, 2); // ET_EXEC
    half(&mut out, MACHINE_XTENSA);
    word(&mut out, 1);
    word(&mut out, entry);
    word(&mut out, HEADER as u32); // program headers right after the header
    word(&mut out, 0); // no section headers
    word(&mut out, 0); // flags
    half(&mut out, HEADER as u16);
    half(&mut out, PROGRAM_HEADER as u16);
    half(&mut out, segments.len() as u16);
    half(&mut out, 40);
    half(&mut out, 0);
    half(&mut out, 0);
    let mut offset = (HEADER + PROGRAM_HEADER * segments.len()) as u32;
    for (addr, bytes) in segments {
        word(&mut out, 1); // PT_LOAD
        word(&mut out, offset);
        word(&mut out, *addr);
        word(&mut out, *addr);
        word(&mut out, bytes.len() as u32);
        word(&mut out, bytes.len() as u32);
        word(&mut out, 7); // read, write, execute
        word(&mut out, 4);
        offset += bytes.len() as u32;
    }
    for (_, bytes) in segments {
        out.extend_from_slice(bytes);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn segments_follow_the_program_headers() {
        let elf = super::executable(0xfe00_0000, &[(0x1000, &[1, 2, 3]), (0x2000, &[4])]);
        assert_eq!(&elf[..4], b"\x7fELF");
        assert_eq!(elf.len(), 52 + 2 * 32 + 4);
        assert_eq!(&elf[52 + 64..], &[1, 2, 3, 4]);
        // The second program header's file offset.
        assert_eq!(elf[52 + 32 + 4], (52 + 64 + 3) as u8);
    }
}
