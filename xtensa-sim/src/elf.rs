//! A minimal executable ELF for Xtensa: a header, one loadable segment per block of bytes and a
//! section for each, so that loaders that read program headers (`qemu-system-xtensa -kernel`)
//! and tools that read sections (espflash, `objdump`) both see the blocks. Tests build their
//! ELF images with it: the QEMU harness, and `bs`'s tests of flashable images.

/// `EM_XTENSA`.
const MACHINE_XTENSA: u16 = 94;
const HEADER: usize = 52;
const PROGRAM_HEADER: usize = 32;
const SECTION_HEADER: usize = 40;
/// `SHT_PROGBITS`, `SHT_STRTAB`.
const PROGBITS: u32 = 1;
const STRTAB: u32 = 3;
/// `SHF_WRITE | SHF_ALLOC | SHF_EXECINSTR`.
const ALLOC_WRITE_EXEC: u32 = 7;

/// An ELF32 little-endian executable starting at `entry` and loading each `(address, bytes)`
/// segment at its address. Segment `i` is also the section `.segment<i>`.
pub fn executable(entry: u32, segments: &[(u32, &[u8])]) -> Vec<u8> {
    let half = |out: &mut Vec<u8>, v: u16| out.extend_from_slice(&v.to_le_bytes());
    let word = |out: &mut Vec<u8>, v: u32| out.extend_from_slice(&v.to_le_bytes());
    let data_at = HEADER + PROGRAM_HEADER * segments.len();
    let data_len: usize = segments.iter().map(|(_, bytes)| bytes.len()).sum();
    let mut names = vec![0u8];
    let mut name_at = Vec::new();
    for i in 0..segments.len() {
        name_at.push(names.len() as u32);
        names.extend_from_slice(format!(".segment{i}\0").as_bytes());
    }
    let shstrtab_name = names.len() as u32;
    names.extend_from_slice(b".shstrtab\0");
    let names_at = data_at + data_len;
    let sections_at = (names_at + names.len()).next_multiple_of(4);

    let mut out = Vec::new();
    out.extend_from_slice(&[0x7f, b'E', b'L', b'F', 1, 1, 1, 0]);
    out.extend_from_slice(&[0; 8]);
    half(&mut out, 2); // ET_EXEC
    half(&mut out, MACHINE_XTENSA);
    word(&mut out, 1);
    word(&mut out, entry);
    word(&mut out, HEADER as u32); // program headers right after the header
    word(&mut out, sections_at as u32);
    word(&mut out, 0); // flags
    half(&mut out, HEADER as u16);
    half(&mut out, PROGRAM_HEADER as u16);
    half(&mut out, segments.len() as u16);
    half(&mut out, SECTION_HEADER as u16);
    half(&mut out, segments.len() as u16 + 2); // the null section, the segments, the names
    half(&mut out, segments.len() as u16 + 1); // the names are the last section
    let mut offset = data_at as u32;
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
    out.extend_from_slice(&names);
    out.resize(sections_at, 0);
    // name, type, flags, address, offset, size, link, info, alignment, entry size
    let section = |out: &mut Vec<u8>, fields: [u32; 10]| {
        fields.into_iter().for_each(|f| word(out, f));
    };
    section(&mut out, [0; 10]);
    let mut offset = data_at as u32;
    for ((addr, bytes), name) in segments.iter().zip(name_at) {
        let size = bytes.len() as u32;
        let header = [
            name,
            PROGBITS,
            ALLOC_WRITE_EXEC,
            *addr,
            offset,
            size,
            0,
            0,
            4,
            0,
        ];
        section(&mut out, header);
        offset += size;
    }
    let names_len = names.len() as u32;
    section(
        &mut out,
        [
            shstrtab_name,
            STRTAB,
            0,
            0,
            names_at as u32,
            names_len,
            0,
            0,
            1,
            0,
        ],
    );
    out
}

#[cfg(test)]
mod tests {
    fn word(elf: &[u8], at: usize) -> u32 {
        u32::from_le_bytes(elf[at..at + 4].try_into().unwrap())
    }

    #[test]
    fn segments_follow_the_program_headers() {
        let elf = super::executable(0xfe00_0000, &[(0x1000, &[1, 2, 3]), (0x2000, &[4])]);
        assert_eq!(&elf[..4], b"\x7fELF");
        assert_eq!(&elf[52 + 64..52 + 64 + 4], &[1, 2, 3, 4]);
        // The second program header's file offset.
        assert_eq!(word(&elf, 52 + 32 + 4), 52 + 64 + 3);
    }

    #[test]
    fn each_segment_is_a_named_section() {
        let elf = super::executable(0x4008_0000, &[(0x1000, &[1, 2, 3]), (0x2000, &[4])]);
        let sections = word(&elf, 32) as usize;
        assert_eq!(sections % 4, 0);
        assert_eq!(elf.len(), sections + 4 * 40);
        let names = &elf[word(&elf, sections + 3 * 40 + 16) as usize..];
        let name = |i: usize| {
            let at = word(&elf, sections + i * 40) as usize;
            let end = names[at..].iter().position(|&b| b == 0).unwrap();
            std::str::from_utf8(&names[at..at + end])
                .unwrap()
                .to_string()
        };
        assert_eq!(
            [name(1), name(2), name(3)],
            [".segment0", ".segment1", ".shstrtab"]
        );
        // The second segment's section: address, file offset and size.
        let second = sections + 2 * 40;
        assert_eq!(
            [
                word(&elf, second + 12),
                word(&elf, second + 16),
                word(&elf, second + 20)
            ],
            [0x2000, 52 + 64 + 3, 1]
        );
        assert_eq!(elf[52 + 64 + 3], 4);
    }
}
