//! The cells of a sheet's XML, one at a time, with calamine's values and errors (calamine
//! `XlsxCellReader::new` and `next_cell`, `read_value`, `read_v`, `read_bool`), shared strings
//! taken from our compact table.

use std::io::BufRead;

use calamine::{CellErrorType, DataRef, ExcelDateTime, ExcelDateTimeType, XlsxError};
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::Strings;
use super::rules::{self, Format, TextBufs};

/// Why a cell cannot be read.
#[derive(Debug)]
pub(crate) enum CellError {
    /// calamine's error (the same one its reader gives).
    Reader(XlsxError),
    /// A shared-string cell at `at` (row, column from 0) whose `index` is past the end of the
    /// table of `count` texts. calamine's reader says only "Cell string index not found in
    /// shared strings table".
    NoString {
        at: (u32, u32),
        index: usize,
        count: usize,
    },
}

impl From<XlsxError> for CellError {
    fn from(e: XlsxError) -> Self {
        CellError::Reader(e)
    }
}

impl From<quick_xml::Error> for CellError {
    fn from(e: quick_xml::Error) -> Self {
        CellError::Reader(e.into())
    }
}

impl From<quick_xml::events::attributes::AttrError> for CellError {
    fn from(e: quick_xml::events::attributes::AttrError) -> Self {
        CellError::Reader(e.into())
    }
}

/// A cell: its (row, column) from 0, and its value.
pub(crate) type XmlCell<'a> = ((u32, u32), DataRef<'a>);

/// A reader of the cells of one sheet, in the order of its XML.
pub(crate) struct SheetCells<'a, B> {
    xml: Reader<B>,
    strings: &'a Strings,
    formats: &'a [Format],
    is_1904: bool,
    /// Where a cell without a reference is: after the previous one, or in the row's first
    /// column (calamine's counters).
    row: u32,
    col: u32,
    buf: Vec<u8>,
    cell_buf: Vec<u8>,
    value_buf: Vec<u8>,
    value: String,
    text: TextBufs,
}

impl<'a, B: BufRead> SheetCells<'a, B> {
    /// Reads the sheet's XML `xml` up to its cells (`<sheetData>`), checking its declared size
    /// on the way.
    ///
    /// # Errors
    ///
    /// [`XlsxError::NotAWorksheet`] when the XML ends without cells after another element
    /// (a chart sheet), else calamine's errors.
    pub(super) fn new(
        mut xml: Reader<B>,
        strings: &'a Strings,
        formats: &'a [Format],
        is_1904: bool,
    ) -> Result<Self, XlsxError> {
        let mut buf = Vec::with_capacity(1024);
        let mut kind: Option<String> = None;
        loop {
            buf.clear();
            match xml.read_event_into(&mut buf)? {
                Event::Start(e) => match e.local_name().as_ref() {
                    "dimension" => match rules::attr(&e, "ref")? {
                        Some(range) => {
                            rules::dimension(range)?;
                        }
                        None => return Err(XlsxError::UnexpectedNode("dimension")),
                    },
                    "sheetData" => break,
                    other => {
                        kind.get_or_insert_with(|| other.to_owned());
                    }
                },
                Event::Eof => {
                    return Err(match kind {
                        Some(kind) => XlsxError::NotAWorksheet(kind),
                        None => XlsxError::XmlEof("worksheet"),
                    });
                }
                _ => (),
            }
        }
        Ok(SheetCells {
            xml,
            strings,
            formats,
            is_1904,
            row: 0,
            col: 0,
            buf,
            cell_buf: Vec::with_capacity(1024),
            value_buf: Vec::with_capacity(1024),
            value: String::new(),
            text: TextBufs::default(),
        })
    }

    /// The next cell: its (row, column) from 0 and its value (`Empty` for a cell without
    /// one); `None` at the end of the sheet's cells.
    ///
    /// # Errors
    ///
    /// A cell or row that cannot be read; a shared string the table does not have.
    pub(crate) fn next_cell(&mut self) -> Result<Option<XmlCell<'a>>, CellError> {
        loop {
            self.buf.clear();
            match self.xml.read_event_into(&mut self.buf)? {
                Event::Start(e) if e.local_name().as_ref() == "row" => {
                    if let Some(r) = rules::attr(&e, "r")? {
                        self.row = rules::row(r)?;
                    }
                }
                Event::End(e) if e.local_name().as_ref() == "row" => {
                    self.row += 1;
                    self.col = 0;
                }
                Event::Start(c) if c.local_name().as_ref() == "c" => {
                    let [at, style, kind] = rules::attrs(&c, ["r", "s", "t"])?;
                    let at = match at {
                        Some(reference) => {
                            let at = rules::row_column(reference)?;
                            self.col = at.1;
                            at
                        }
                        None => (self.row, self.col),
                    };
                    let mut value = DataRef::Empty;
                    loop {
                        self.cell_buf.clear();
                        match self.xml.read_event_into(&mut self.cell_buf)? {
                            // The last child counts: a `<f>` after the `<v>` empties the cell.
                            Event::Start(e) => {
                                value = read_value(
                                    &mut self.xml,
                                    &e,
                                    Context {
                                        strings: self.strings,
                                        formats: self.formats,
                                        is_1904: self.is_1904,
                                        style,
                                        kind,
                                        at,
                                    },
                                    &mut self.value_buf,
                                    &mut self.value,
                                    &mut self.text,
                                )?;
                            }
                            Event::End(e) if e.local_name().as_ref() == "c" => break,
                            Event::Eof => return Err(XlsxError::XmlEof("c").into()),
                            _ => (),
                        }
                    }
                    self.col += 1;
                    return Ok(Some((at, value)));
                }
                Event::End(e) if e.local_name().as_ref() == "sheetData" => return Ok(None),
                Event::Eof => return Err(XlsxError::XmlEof("sheetData").into()),
                _ => (),
            }
        }
    }
}

/// What a cell's value is read with: the workbook's tables, and the cell's `s`, `t` and place.
struct Context<'a, 'c> {
    strings: &'a Strings,
    formats: &'a [Format],
    is_1904: bool,
    style: Option<&'c str>,
    kind: Option<&'c str>,
    at: (u32, u32),
}

/// The value of the child `e` of a cell, read to its end (calamine `read_value`).
fn read_value<'a, B: BufRead>(
    xml: &mut Reader<B>,
    e: &BytesStart<'_>,
    cx: Context<'a, '_>,
    buf: &mut Vec<u8>,
    value: &mut String,
    text: &mut TextBufs,
) -> Result<DataRef<'a>, CellError> {
    Ok(match e.local_name().as_ref() {
        "is" => {
            let mut inline = String::new();
            rules::read_text(xml, e.name(), text, &mut inline)?;
            DataRef::String(inline)
        }
        // An inline text's `<v>` repeats it.
        "v" if matches!(cx.kind, Some("inlineStr" | "is")) => {
            buf.clear();
            xml.read_to_end_into(e.name(), buf)?;
            DataRef::Empty
        }
        "v" => match cx.kind {
            // Plain ASCII: the first text as it is, without replacing entities.
            Some("n" | "s" | "b" | "e") | None => {
                buf.clear();
                let v = match xml.read_event_into(buf)? {
                    Event::Text(t) => read_v(&cx, &t)?,
                    Event::End(end) if end.name() == e.name() => return Ok(DataRef::Empty),
                    Event::Eof => return Err(XlsxError::XmlEof("v").into()),
                    _ => DataRef::Empty,
                };
                buf.clear();
                xml.read_to_end_into(e.name(), buf)?;
                v
            }
            _ => {
                value.clear();
                loop {
                    buf.clear();
                    match xml.read_event_into(buf)? {
                        Event::Text(t) => value.push_str(&t.xml10_content()),
                        Event::GeneralRef(r) => rules::unescape_entity(&r, value)?,
                        Event::End(end) if end.name() == e.name() => break,
                        Event::Eof => return Err(XlsxError::XmlEof("v").into()),
                        _ => (),
                    }
                }
                read_v(&cx, value)?
            }
        },
        "f" => {
            buf.clear();
            xml.read_to_end_into(e.name(), buf)?;
            DataRef::Empty
        }
        _ => return Err(XlsxError::UnexpectedNode("v, f, or is").into()),
    })
}

/// The value of a cell's `<v>` text `v` (calamine `read_v`): a number is a date when its
/// style's format is one.
fn read_v<'a>(cx: &Context<'a, '_>, v: &str) -> Result<DataRef<'a>, CellError> {
    let format = match cx.style {
        Some(style) => cx.formats.get(rules::index(style).unwrap_or(0)),
        None => Some(&Format::Other),
    };
    match cx.kind {
        Some("s") => {
            if v.is_empty() {
                return Ok(DataRef::Empty);
            }
            let index = rules::index(v).unwrap_or(0);
            let strings: &'a Strings = cx.strings;
            strings
                .get(index)
                .map(DataRef::SharedString)
                .ok_or(CellError::NoString {
                    at: cx.at,
                    index,
                    count: strings.len(),
                })
        }
        Some("b") => Ok(read_bool(v)?),
        Some("d") => Ok(DataRef::DateTimeIso(v.to_owned())),
        Some("e") => Ok(DataRef::Error(v.parse::<CellErrorType>()?)),
        Some("str") => Ok(DataRef::String(rules::unescape_xml(v).into_owned())),
        Some("n") | None => {
            if v.is_empty() {
                return Ok(DataRef::Empty);
            }
            match v.parse::<f64>() {
                Ok(n) => Ok(number(n, format, cx.is_1904)),
                // No type: a text that is not a number stays a text.
                Err(_) if cx.kind.is_none() => Ok(DataRef::String(v.to_owned())),
                Err(e) => Err(XlsxError::ParseFloat(e).into()),
            }
        }
        Some(kind) => Err(XlsxError::CellTAttribute(kind.to_owned()).into()),
    }
}

/// A number as its format shows it (calamine `format_excel_f64_ref`).
fn number(n: f64, format: Option<&Format>, is_1904: bool) -> DataRef<'static> {
    match format {
        Some(Format::DateTime) => {
            DataRef::DateTime(ExcelDateTime::new(n, ExcelDateTimeType::DateTime, is_1904))
        }
        Some(Format::TimeDelta) => {
            DataRef::DateTime(ExcelDateTime::new(n, ExcelDateTimeType::TimeDelta, is_1904))
        }
        _ => DataRef::Float(n),
    }
}

/// A boolean cell's value: `0`/`1`, `false`/`true` in any case, spaces around (calamine
/// `read_bool`).
fn read_bool(v: &str) -> Result<DataRef<'static>, XlsxError> {
    let value = v.trim();
    if value.is_empty() {
        Ok(DataRef::Empty)
    } else if value == "0" || value.eq_ignore_ascii_case("false") {
        Ok(DataRef::Bool(false))
    } else if value == "1" || value.eq_ignore_ascii_case("true") {
        Ok(DataRef::Bool(true))
    } else {
        Err(XlsxError::Unrecognized {
            typ: "boolean cell value",
            val: v.to_owned(),
        })
    }
}
