//! Loading source text into the compiler database.

use crate::project::Target;
use incremental::db::{Compiler, SourceFile};

/// The entry file's text and display path.
pub struct Source {
    /// The path shown in messages.
    pub display: String,
    /// The file's text.
    pub text: String,
}

impl Source {
    /// Reads the entry file of `target`.
    pub fn load(target: &Target) -> miette::Result<Source> {
        let bytes = std::fs::read(&target.entry)
            .map_err(|e| miette::miette!("cannot read `{}`: {e}", target.entry.display()))?;
        let text = String::from_utf8(bytes).map_err(|e| {
            miette::miette!(
                help = "save the file as UTF-8",
                "`{}` is not valid UTF-8 text (byte {})",
                target.display,
                e.utf8_error().valid_up_to()
            )
        })?;
        Ok(Source {
            display: target.display.clone(),
            text,
        })
    }

    /// A fresh database holding this source as file 0.
    pub fn database(&self) -> (Compiler, SourceFile) {
        let db = Compiler::default();
        let file = SourceFile::new(&db, self.display.clone(), self.text.clone(), 0);
        (db, file)
    }
}
