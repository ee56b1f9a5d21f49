//! `bs repl`: type BlueScript a cell at a time; each cell is compiled on the host against the
//! session's shadow machine and runs natively on the board, and what it defines stays for the
//! cells after it. Line editing and history come from `rustyline` on a terminal; otherwise
//! (tests, pipes) plain lines are read from standard input.

use crate::board;
use crate::compile::Program;
use crate::session::Session;
use crate::{deps, project};
use rustyline::DefaultEditor;
use rustyline::error::ReadlineError;
use std::io::{BufRead, IsTerminal};
use std::path::Path;
use syntax::lexer::{self, TokenKind};

/// What `:help` prints.
const HELP: &str = "\
Type BlueScript statements and declarations; each cell runs on the board when it is complete
(a cell with an open `{`, `(` or `[` continues on the next line). Definitions stay for later
cells, and a function defined again replaces the old one for every caller.
  :help    this text
  :mem     heap, code and data memory in use on the board
  :reset   forget every definition and clear the board
  :quit    leave (end of input does too)";

/// Starts a board and reads cells until `:quit` or the end of input; with `entry`, first runs
/// that project or file in the same session (`bs run --repl`). Returns whether every cell
/// compiled and ran without error.
pub fn run(
    entry: Option<&Path>,
    board_name: Option<&str>,
    heap_size: Option<u32>,
) -> miette::Result<bool> {
    let target = entry
        .map(|p| project::resolve(Some(p), false, &mut deps::Resolver::new(Default::default())))
        .transpose()?;
    let board_name = board_name
        .or(target.as_ref().map(|t| t.board.as_str()))
        .unwrap_or("host");
    let heap_size = heap_size.or(target.as_ref().and_then(|t| t.heap_size));
    let board = board::start(board_name, heap_size)?;
    board.interrupt_on_ctrl_c()?;
    let link_target = match &target {
        Some(target) => target.link_target(board.link_target()),
        None => board.link_target(),
    };
    let mut session = Session::start(board, link_target);
    let mut all_ok = true;
    if let Some(target) = &target {
        all_ok &= session.run(Program::load(target)?)?;
    }
    let mut input = Input::new();
    let mut cells = 0u32;
    while let Some(cell) = input.cell()? {
        match cell.trim() {
            "" => continue,
            ":quit" | ":q" => break,
            ":help" | ":h" => println!("{HELP}"),
            ":reset" => {
                session.reset()?;
                println!("the board was cleared; every definition is gone");
            }
            ":mem" => println!("{}", memory(&mut session)?),
            command if command.starts_with(':') => {
                eprintln!("unknown command `{command}`; `:help` lists the commands");
                all_ok = false;
            }
            _ => {
                cells += 1;
                all_ok &= session.run(Program::from_text(&format!("<cell {cells}>"), &cell))?;
            }
        }
    }
    Ok(all_ok)
}

/// The `:mem` report.
fn memory(session: &mut Session) -> miette::Result<String> {
    let heap = session
        .board()
        .heap_stats()
        .map_err(|e| board::device_error(&e))?;
    let m = session.shadow().memory_use();
    Ok(format!(
        "heap: {} of {} bytes in use (peak {})\ncode: {} of {} bytes\ndata: {} of {} bytes\nfunction slots: {} of {}",
        heap.in_use,
        heap.heap_size,
        heap.peak,
        m.code_used,
        m.code_size,
        m.data_used,
        m.data_size,
        m.slots_used,
        m.slots
    ))
}

/// Where cells come from: a line editor on a terminal, plain lines otherwise.
enum Input {
    Editor(Box<DefaultEditor>),
    Plain(std::io::StdinLock<'static>),
}

impl Input {
    fn new() -> Input {
        if std::io::stdin().is_terminal()
            && let Ok(editor) = DefaultEditor::new()
        {
            return Input::Editor(Box::new(editor));
        }
        Input::Plain(std::io::stdin().lock())
    }

    /// The next line, or `None` at the end of input.
    fn line(&mut self, continued: bool) -> miette::Result<Option<String>> {
        match self {
            Input::Editor(editor) => {
                match editor.readline(if continued { "... " } else { "> " }) {
                    Ok(line) => {
                        let _ = editor.add_history_entry(line.as_str());
                        Ok(Some(line))
                    }
                    // Ctrl-C drops the line being typed, as in a shell.
                    Err(ReadlineError::Interrupted) => Ok(Some(String::new())),
                    Err(ReadlineError::Eof) => Ok(None),
                    Err(e) => Err(miette::miette!("cannot read the terminal: {e}")),
                }
            }
            Input::Plain(stdin) => {
                let mut line = String::new();
                match stdin.read_line(&mut line) {
                    Ok(0) => Ok(None),
                    Ok(_) => Ok(Some(line.trim_end_matches(['\n', '\r']).to_string())),
                    Err(e) => Err(miette::miette!("cannot read standard input: {e}")),
                }
            }
        }
    }

    /// The next complete cell: lines up to one that closes every bracket opened before it.
    fn cell(&mut self) -> miette::Result<Option<String>> {
        let mut cell = String::new();
        loop {
            let Some(line) = self.line(!cell.is_empty())? else {
                return Ok((!cell.is_empty()).then_some(cell));
            };
            cell.push_str(&line);
            cell.push('\n');
            if open_brackets(&cell) <= 0 {
                return Ok(Some(cell));
            }
        }
    }
}

/// How many `{`, `(` and `[` of `text` are still open (strings and comments do not count).
fn open_brackets(text: &str) -> i32 {
    let (tokens, _) = lexer::lex(text);
    tokens
        .iter()
        .map(|t| match t.kind {
            TokenKind::Punct("{" | "(" | "[") => 1,
            TokenKind::Punct("}" | ")" | "]") => -1,
            _ => 0,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::open_brackets;

    #[test]
    fn a_cell_continues_while_a_bracket_is_open() {
        assert_eq!(open_brackets("function f() {\n"), 1);
        assert_eq!(open_brackets("function f() {\n  return [1,\n"), 2);
        assert_eq!(open_brackets("function f() { return 1 }\n"), 0);
        assert_eq!(open_brackets("print(\"{\") // {\n"), 0);
        assert_eq!(open_brackets("}\n"), -1);
    }
}
