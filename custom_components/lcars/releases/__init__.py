"""Releases: what indexers offer for a title, read and judged.

The room of the Torznab client of the indexers, the parser of release names
(title, year, season and episode, quality, source, group) and the quality
ceiling a release must stay under. Free of Home Assistant, as every domain
package: its actions and options live in the layer above.
"""
