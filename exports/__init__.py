"""Exports for analysts: every card of a view as an image or a table file, and the whole-view report.

`routes` adds the URLs, `panels` says what each view exports, `files` builds
the files, `framing` makes a chart stand alone on paper, `renderer` keeps the
one Chromium that draws them.
"""
