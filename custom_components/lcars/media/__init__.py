"""Media files: filing finished downloads into the library, and ffmpeg.

The room of naming, of hardlinking, copying or moving a download into its
root folder (never through a link, never a partial file under its final
name), and of what ffmpeg reads and writes. Free of Home Assistant, as every
domain package: its actions and options live in the layer above.
"""
