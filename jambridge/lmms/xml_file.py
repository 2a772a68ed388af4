"""An LMMS project's bytes -> its XML element tree, refusing anything damaged or hostile.

LMMS writes ``.mmp`` as XML and ``.mmpz`` as Qt's ``qCompress``: a 4-byte big-endian length of
the XML, then a zlib stream. Like LMMS's own loader (``DataFile::loadData``) the content, not
the suffix, decides: XML is parsed as it is, anything else is uncompressed first.

Hostile input is refused before it costs memory: a length prefix or a decompressed size above
:data:`MAX_XML_BYTES` (a zip bomb), a DTD with declarations or entities (billion laughs,
external entities), nesting deeper than :data:`MAX_DEPTH`. Every refusal is a one-line
:class:`~jambridge.errors.DataError` naming the file.
"""

from __future__ import annotations

import zlib
from xml.etree.ElementTree import Element, TreeBuilder
from xml.parsers import expat

from jambridge.errors import DataError

# Real projects decompress to 0.02-1.1 MB (the 25 LMMS demos); 32 MiB is 30x the largest.
MAX_XML_BYTES = 32 * 1024 * 1024
MAX_DEPTH = 64  # LMMS nests about 12 deep (song / trackcontainer / track / bbtrack / ...)
PROJECT_ROOTS = ("lmms-project", "multimedia-project")  # LMMS >= 1.0, and 0.x files


def project_xml(data: bytes, where: str) -> Element:
    """The root element of an LMMS project held in ``data`` (XML or qCompress'd XML).

    Raises:
        DataError: empty, badly compressed, too big, not XML, hostile XML, or XML whose root is
            not an LMMS project; the message names ``where`` and the problem.
    """
    if not data:
        raise DataError(f"{where}: empty file (0 bytes), not an LMMS project")
    if len(data) > MAX_XML_BYTES:
        raise DataError(f"{where}: {len(data)} bytes is over the {MAX_XML_BYTES}-byte limit")
    xml = data if _looks_like_xml(data) else _uncompress(data, where)
    root = _parse(xml, where)
    if root.tag not in PROJECT_ROOTS:
        raise DataError(
            f"{where}: not an LMMS project (root element <{root.tag}>, expected <lmms-project>)"
        )
    return root


def _looks_like_xml(data: bytes) -> bool:
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"<")


def _uncompress(data: bytes, where: str) -> bytes:
    """qUncompress: the 4-byte length prefix, then zlib; the length must match."""
    if len(data) < 5:
        raise DataError(
            f"{where}: not an LMMS project: neither XML nor compressed "
            f"(a .mmpz starts with a 4-byte length and zlib data; got {len(data)} bytes)"
        )
    expected = int.from_bytes(data[:4], "big")
    if expected > MAX_XML_BYTES:
        raise DataError(
            f"{where}: the length prefix promises {expected} bytes of XML, over the "
            f"{MAX_XML_BYTES}-byte limit"
        )
    inflater = zlib.decompressobj()
    try:
        xml = inflater.decompress(data[4:], MAX_XML_BYTES + 1)
    except zlib.error as err:
        raise DataError(f"{where}: not an LMMS project: corrupt compressed data ({err})") from err
    if len(xml) > MAX_XML_BYTES:
        raise DataError(
            f"{where}: decompresses to more than {MAX_XML_BYTES} bytes (a zip bomb?); refused"
        )
    if not inflater.eof:
        raise DataError(
            f"{where}: truncated: the compressed data ends after {len(xml)} of {expected} "
            "bytes of XML"
        )
    if len(xml) != expected:
        raise DataError(
            f"{where}: wrong length prefix: it says {expected} bytes, the data holds {len(xml)}"
        )
    return xml


class _SafeTree:
    """expat driven by hand into a TreeBuilder: no DTD declarations, no entities, bounded
    depth. Text is not kept (LMMS keeps everything in attributes)."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.depth = 0
        self.builder = TreeBuilder()
        self.parser = expat.ParserCreate()
        self.parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.parser.StartDoctypeDeclHandler = self._doctype
        self.parser.EntityDeclHandler = self._entity
        self.parser.ExternalEntityRefHandler = self._external

    def _start(self, tag: str, attrs: dict[str, str]) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise DataError(f"{self.where}: XML nested deeper than {MAX_DEPTH} levels; refused")
        self.builder.start(tag, attrs)

    def _end(self, tag: str) -> None:
        self.depth -= 1
        self.builder.end(tag)

    def _doctype(self, name: str, system_id, public_id, has_internal_subset: int) -> None:
        if has_internal_subset or system_id or public_id:
            raise DataError(
                f"{self.where}: the XML declares a DTD (<!DOCTYPE {name} ...>); refused "
                "(LMMS projects have none)"
            )

    def _entity(self, name: str, *_args) -> None:
        raise DataError(f"{self.where}: the XML declares entity {name!r}; refused")

    def _external(self, *_args) -> int:
        raise DataError(f"{self.where}: the XML references an external entity; refused")

    def parse(self, xml: bytes) -> Element:
        try:
            self.parser.Parse(xml, True)
        except expat.ExpatError as err:
            what = expat.ErrorString(err.code)
            raise DataError(
                f"{self.where}: not valid XML ({what} at line {err.lineno}, "
                f"column {err.offset + 1})"
            ) from err
        return self.builder.close()


def _parse(xml: bytes, where: str) -> Element:
    return _SafeTree(where).parse(xml)
