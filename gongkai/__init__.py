"""gongkai (公开): government information disclosure annual reports into a DuckDB warehouse."""

__version__ = "0.1.0"
# Bump when extraction output can change for the same input: stored reports are re-extracted.
EXTRACTOR_VERSION = "7"  # 4: scans read by OCR (needs_ocr reports read again); 5–7: OCR proof (stops 22–24)
