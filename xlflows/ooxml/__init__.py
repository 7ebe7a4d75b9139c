"""The OOXML toolkit of the file engine: parts, sheets, styles and escaping."""
