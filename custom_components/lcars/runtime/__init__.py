"""The owners LCARS keeps in Home Assistant for each loaded entry.

Part of the Home Assistant layer: what holds state across updates and
restarts and talks to Home Assistant's Store, schedule and event bus.
`cleanup` runs the cleanup (its Store, schedule, runs and events), with
`cleanup_inputs` (what the planner reads from the coordinators) and
`cleanup_outcome` (what a plan and its execution come to). The policy
itself and the records it keeps live in `cleanup/`, free of Home Assistant.
`torrent` runs the entry's BitTorrent backend and `handoff` its watch
folder and links to Radarr and Sonarr; the engine and clients live in
`torrent/`.
"""
