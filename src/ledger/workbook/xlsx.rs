//! Our reader of the parts of an .xlsx that the ledger's stream needs: the shared-string table,
//! the number formats (`styles.xml`), where each sheet's XML is, and each sheet's cells
//! ([`SheetCells`]) and merged regions.
//!
//! Why not calamine's: its workbook always reads the whole shared-string table into one
//! `String` per text, about 50 MB for the 900,000 distinct vouchers of a city's year. Here the
//! table is one buffer of all its texts and where each ends ([`Strings`]): 16 MB for the same
//! table. calamine still opens the workbook (its checks and messages, the sheets' names and
//! visibility, the 1904 date system), from a view of the file in which the table is hidden
//! (`container::hide_tables`, `Shared::changed`); the parts are found and read here with
//! calamine's rules (`rules`), so that the values and the errors are calamine's, as the tests
//! check against its reader, cell by cell.

mod cells;
mod rules;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Seek};

use calamine::{Dimensions, XlsxError};
use quick_xml::Reader;
use quick_xml::events::Event;
use zip::ZipArchive;
use zip::read::ZipFile;
use zip::result::ZipError;

pub(super) use cells::{CellError, SheetCells};
use rules::{Format, TextBufs};

/// The XML of a part, read as calamine reads it.
type Xml<'z, R> = Reader<BufReader<ZipFile<'z, R>>>;

/// The shared-string table, compact: its texts one after another in one buffer, and where
/// each ends (a text is found by its index in two lookups; no allocation per text).
#[derive(Debug, Default)]
pub(crate) struct Strings {
    text: String,
    ends: Vec<u32>,
}

impl Strings {
    /// The text at `index`, if the table has one there.
    pub(crate) fn get(&self, index: usize) -> Option<&str> {
        let end = *self.ends.get(index)? as usize;
        let start = match index.checked_sub(1) {
            Some(before) => self.ends[before] as usize,
            None => 0,
        };
        self.text.get(start..end)
    }

    /// How many texts the table holds.
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    /// The bytes the table holds (its texts, and their ends).
    pub(crate) fn bytes(&self) -> usize {
        self.text.capacity() + self.ends.capacity() * size_of::<u32>()
    }
}

/// An .xlsx opened for the stream: its parts, shared strings, number formats, the 1904 date
/// system, and each sheet's name with the path of its XML.
pub(super) struct Xlsx<R> {
    zip: ZipArchive<R>,
    /// The parts' names, lower case with `/` for `\`, to the names as the archive has them.
    names: HashMap<String, String>,
    strings: Strings,
    formats: Vec<Format>,
    is_1904: bool,
    sheets: Vec<(String, String)>,
}

impl<R: Read + Seek> Xlsx<R> {
    /// Opens the .xlsx `reader` holds (which calamine has opened without error), with its
    /// date system: the parts in calamine's order (`Xlsx::new`), so that a damaged table is
    /// reported as calamine would have reported it.
    ///
    /// # Errors
    ///
    /// calamine's error for a part it would have refused: here the shared-string table, the
    /// one part calamine did not read.
    pub(super) fn open(reader: R, is_1904: bool) -> Result<Self, XlsxError> {
        let zip = ZipArchive::new(reader)?;
        // calamine `build_zip_path_cache`.
        let mut names = HashMap::with_capacity(zip.len());
        for name in zip.file_names() {
            let name = name?;
            names.insert(
                name.replace('\\', "/").to_ascii_lowercase(),
                name.into_owned(),
            );
        }
        let mut xlsx = Xlsx {
            zip,
            names,
            strings: Strings::default(),
            formats: Vec::new(),
            is_1904,
            sheets: Vec::new(),
        };
        let (folder, workbook) = xlsx.workbook_part()?;
        let strings = match xlsx.xml(&format!("{folder}sharedStrings.xml")) {
            Some(xml) => read_strings(&mut xml?)?,
            None => Strings::default(),
        };
        xlsx.strings = strings;
        let formats = match xlsx.xml(&format!("{folder}styles.xml")) {
            Some(xml) => read_formats(&mut xml?)?,
            None => Vec::new(),
        };
        xlsx.formats = formats;
        let relationships = xlsx.relationships(&folder, &workbook)?;
        xlsx.sheets = xlsx.sheet_paths(&folder, &workbook, &relationships)?;
        Ok(xlsx)
    }

    /// The shared-string table.
    pub(super) fn strings(&self) -> &Strings {
        &self.strings
    }

    /// The cells of the sheet `name` (the first of that name, as calamine's
    /// `worksheet_cells_reader`).
    ///
    /// # Errors
    ///
    /// calamine's: the sheet is missing, is not a worksheet ([`XlsxError::NotAWorksheet`]),
    /// or its XML is damaged before its cells.
    pub(super) fn cells(
        &mut self,
        name: &str,
    ) -> Result<SheetCells<'_, BufReader<ZipFile<'_, R>>>, XlsxError> {
        let Some((_, path)) = self.sheets.iter().find(|(n, _)| n == name) else {
            return Err(XlsxError::WorksheetNotFound(name.into()));
        };
        let xml = part(&mut self.zip, &self.names, path)
            .ok_or_else(|| XlsxError::WorksheetNotFound(name.into()))??;
        SheetCells::new(xml, &self.strings, &self.formats, self.is_1904)
    }

    /// The merged regions of the sheet `name`, from the `<mergeCells>` after its cells (calamine
    /// `merge_cells_by_sheet_name`).
    ///
    /// # Errors
    ///
    /// calamine's: the sheet is missing, or its XML is damaged.
    pub(super) fn merges(&mut self, name: &str) -> Result<Vec<Dimensions>, XlsxError> {
        let Some((_, path)) = self.sheets.iter().find(|(n, _)| n == name) else {
            return Err(XlsxError::WorksheetNotFound(name.into()));
        };
        let mut xml = part(&mut self.zip, &self.names, path)
            .ok_or_else(|| XlsxError::WorksheetNotFound(name.into()))??;
        let mut merges = Vec::new();
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match xml.read_event_into(&mut buf)? {
                Event::Start(e) if e.local_name().as_ref() == "mergeCells" => break,
                Event::Eof => return Ok(merges),
                _ => (),
            }
        }
        // calamine `read_merge_cells`.
        loop {
            buf.clear();
            match xml.read_event_into(&mut buf)? {
                Event::Start(e) if e.local_name().as_ref() == "mergeCell" => {
                    if let Some(range) = rules::attr(&e, "ref")? {
                        merges.push(rules::dimension(range)?);
                    }
                }
                Event::End(e) if e.local_name().as_ref() == "mergeCells" => return Ok(merges),
                Event::Eof => return Err(XlsxError::XmlEof("")),
                _ => (),
            }
        }
    }

    /// The XML of the part `path` (found as calamine's `xml_reader` finds it); `None` when the
    /// archive has no such part.
    fn xml(&mut self, path: &str) -> Option<Result<Xml<'_, R>, XlsxError>> {
        part(&mut self.zip, &self.names, path)
    }

    /// The workbook part's folder (`xl/`) and name (`workbook.xml`), from the package's
    /// relationships (calamine `read_package_relationships`).
    fn workbook_part(&mut self) -> Result<(String, String), XlsxError> {
        let mut xml = self
            .xml("_rels/.rels")
            .ok_or_else(|| XlsxError::FileNotFound("_rels/.rels".to_owned()))??;
        let mut buf = Vec::with_capacity(1024);
        loop {
            buf.clear();
            match xml.read_event_into(&mut buf)? {
                Event::Start(e) if e.local_name().as_ref() == "Relationships" => break,
                Event::Eof => return Err(XlsxError::XmlEof("Relationships")),
                _ => (),
            }
        }
        let mut target = None;
        loop {
            buf.clear();
            match xml.read_event_into(&mut buf)? {
                Event::Start(e) if e.local_name().as_ref() == "Relationship" => {
                    if let [Some(kind), Some(to)] = rules::attrs(&e, ["Type", "Target"])?
                        && kind.ends_with("/relationships/officeDocument")
                    {
                        target = Some(rules::decode_attr(to)?);
                    }
                }
                Event::End(e) if e.local_name().as_ref() == "Relationships" => break,
                Event::Eof => return Err(XlsxError::XmlEof("Relationships")),
                _ => (),
            }
        }
        let target = target.ok_or(XlsxError::RelationshipNotFound)?;
        let (folder, name) = match target.rfind('/') {
            Some(i) => target.split_at(i + 1),
            None => ("", target.as_str()),
        };
        let name = if name.is_empty() {
            "workbook.xml"
        } else {
            name
        };
        Ok((
            folder.strip_prefix('/').unwrap_or(folder).to_owned(),
            name.to_owned(),
        ))
    }

    /// The workbook's relationships: id to target (calamine `read_relationships`).
    fn relationships(
        &mut self,
        folder: &str,
        workbook: &str,
    ) -> Result<HashMap<String, String>, XlsxError> {
        let path = format!("{folder}_rels/{workbook}.rels");
        let mut xml = self
            .xml(&path)
            .ok_or_else(|| XlsxError::FileNotFound(path.clone()))??;
        let mut relationships = HashMap::new();
        let mut buf = Vec::with_capacity(64);
        loop {
            buf.clear();
            match xml.read_event_into(&mut buf)? {
                Event::Start(e) if e.local_name().as_ref() == "Relationship" => {
                    let [id, _, target] = rules::attrs(&e, ["Id", "Type", "Target"])?;
                    if let Some(id) = id {
                        relationships.insert(id.to_owned(), target.unwrap_or_default().to_owned());
                    }
                }
                Event::End(e) if e.local_name().as_ref() == "Relationships" => break,
                Event::Eof => return Err(XlsxError::XmlEof("Relationships")),
                _ => (),
            }
        }
        Ok(relationships)
    }

    /// Each sheet's name and the path of its XML, in the workbook's order (calamine
    /// `read_workbook`, which has checked the rest: states, types).
    fn sheet_paths(
        &mut self,
        folder: &str,
        workbook: &str,
        relationships: &HashMap<String, String>,
    ) -> Result<Vec<(String, String)>, XlsxError> {
        let Some(xml) = self.xml(&format!("{folder}{workbook}")) else {
            return Ok(Vec::new());
        };
        let mut xml = xml?;
        let mut sheets = Vec::new();
        let mut buf = Vec::with_capacity(1024);
        loop {
            buf.clear();
            match xml.read_event_into(&mut buf)? {
                Event::Start(e) if e.local_name().as_ref() == "sheet" => {
                    let (mut name, mut id) = (String::new(), "");
                    for item in rules::raw_attrs(&e) {
                        let (key, value) = item?;
                        match key {
                            "name" => name = rules::decode_attr(value)?,
                            key if rules::local_name_matches(key, "id") => id = value,
                            _ => {}
                        }
                    }
                    let target = relationships
                        .get(id)
                        .ok_or(XlsxError::RelationshipNotFound)?;
                    let path = match target.strip_prefix('/') {
                        Some(absolute) => absolute.to_owned(),
                        None => format!("{folder}{target}"),
                    };
                    sheets.push((name, path));
                }
                Event::End(e) if e.local_name().as_ref() == "workbook" => break,
                Event::Eof => return Err(XlsxError::XmlEof("workbook")),
                _ => (),
            }
        }
        Ok(sheets)
    }
}

/// The XML of the part `path` of `zip`, looked up by its lower-case name in `names`, else by
/// `path` itself, with calamine's reader settings (calamine `xml_reader`).
fn part<'z, R: Read + Seek>(
    zip: &'z mut ZipArchive<R>,
    names: &HashMap<String, String>,
    path: &str,
) -> Option<Result<Xml<'z, R>, XlsxError>> {
    let name = names
        .get(&path.to_ascii_lowercase())
        .map_or(path, String::as_str);
    match zip.by_name(name) {
        Ok(file) => {
            let mut xml = Reader::from_reader(BufReader::new(file));
            let config = xml.config_mut();
            config.check_end_names = false;
            config.trim_text(false);
            config.check_comments = false;
            config.expand_empty_elements = true;
            Some(Ok(xml))
        }
        Err(ZipError::FileNotFound) => None,
        Err(e) => Some(Err(e.into())),
    }
}

/// Reads the shared-string table (calamine `read_shared_strings`), without reserving room
/// for the count of texts it declares (`uniqueCount`: the file's word, not checked).
fn read_strings<B: BufRead>(xml: &mut Reader<B>) -> Result<Strings, XlsxError> {
    let mut buf = Vec::with_capacity(1024);
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf)? {
            Event::Start(e) if e.local_name().as_ref() == "sst" => {
                // Read for its errors, as calamine reads it.
                rules::attr(&e, "uniqueCount")?;
                break;
            }
            Event::Eof => return Err(XlsxError::XmlEof("sst")),
            _ => (),
        }
    }
    let mut strings = Strings::default();
    let mut bufs = TextBufs::default();
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf)? {
            Event::Start(e) if e.local_name().as_ref() == "si" => {
                rules::read_text(xml, e.name(), &mut bufs, &mut strings.text)?;
                // The table's part is at most 64 MiB (`container`), and its texts no longer.
                let end = u32::try_from(strings.text.len())
                    .map_err(|_| XlsxError::Unexpected("shared string table too large"))?;
                strings.ends.push(end);
            }
            Event::End(e) if e.local_name().as_ref() == "sst" => break,
            Event::Eof => return Err(XlsxError::XmlEof("sst")),
            _ => (),
        }
    }
    strings.text.shrink_to_fit();
    strings.ends.shrink_to_fit();
    Ok(strings)
}

/// The number format of each cell style (`<xf>` of `<cellXfs>`, by the cells' `s`), from
/// `styles.xml` (calamine `read_styles`, its formats only; the sections it reads for fonts,
/// fills and borders are skipped to their end).
fn read_formats<B: BufRead>(xml: &mut Reader<B>) -> Result<Vec<Format>, XlsxError> {
    let mut custom: HashMap<String, String> = HashMap::new();
    let mut formats = Vec::new();
    let (mut buf, mut inner) = (Vec::new(), Vec::new());
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf)? {
            Event::Start(e) => match e.local_name().as_ref() {
                "numFmts" => read_custom_formats(xml, &mut inner, &mut custom)?,
                "fonts" => skip_to_end(xml, "fonts", &mut inner)?,
                "fills" => skip_to_end(xml, "fills", &mut inner)?,
                "borders" => skip_to_end(xml, "borders", &mut inner)?,
                "cellXfs" => read_styles(xml, &mut inner, &custom, &mut formats)?,
                _ => (),
            },
            Event::End(e) if e.local_name().as_ref() == "styleSheet" => break,
            Event::Eof => return Err(XlsxError::XmlEof("styleSheet")),
            _ => (),
        }
    }
    Ok(formats)
}

/// Reads the custom number formats of `<numFmts>`, by their id as written.
fn read_custom_formats<B: BufRead>(
    xml: &mut Reader<B>,
    buf: &mut Vec<u8>,
    custom: &mut HashMap<String, String>,
) -> Result<(), XlsxError> {
    loop {
        buf.clear();
        match xml.read_event_into(buf)? {
            Event::Start(e) if e.local_name().as_ref() == "numFmt" => {
                if let [Some(id), Some(code)] = rules::attrs(&e, ["numFmtId", "formatCode"])? {
                    custom.insert(id.to_owned(), rules::decode_attr(code)?);
                }
            }
            Event::End(e) if e.local_name().as_ref() == "numFmts" => return Ok(()),
            Event::Eof => return Err(XlsxError::XmlEof("numFmts")),
            _ => (),
        }
    }
}

/// Reads the format of each style of `<cellXfs>`: a custom format of that id if there is one,
/// else a built-in one.
fn read_styles<B: BufRead>(
    xml: &mut Reader<B>,
    buf: &mut Vec<u8>,
    custom: &HashMap<String, String>,
    formats: &mut Vec<Format>,
) -> Result<(), XlsxError> {
    let mut body = Vec::new();
    loop {
        buf.clear();
        match xml.read_event_into(buf)? {
            Event::Start(e) if e.local_name().as_ref() == "xf" => {
                formats.push(match rules::attr(&e, "numFmtId")? {
                    None => Format::Other,
                    Some(id) => match custom.get(id) {
                        Some(code) => rules::custom_format(code),
                        None => rules::builtin_format(id),
                    },
                });
                // calamine reads the style's body to its end (alignment, protection).
                skip_to_end(xml, "xf", &mut body)?;
            }
            Event::End(e) if e.local_name().as_ref() == "cellXfs" => return Ok(()),
            Event::Eof => return Err(XlsxError::XmlEof("cellXfs")),
            _ => (),
        }
    }
}

/// Reads up to the first end of an element named `local` (calamine's loops over a section).
fn skip_to_end<B: BufRead>(
    xml: &mut Reader<B>,
    local: &'static str,
    buf: &mut Vec<u8>,
) -> Result<(), XlsxError> {
    loop {
        buf.clear();
        match xml.read_event_into(buf)? {
            Event::End(e) if e.local_name().as_ref() == local => return Ok(()),
            Event::Eof => return Err(XlsxError::XmlEof(local)),
            _ => (),
        }
    }
}
