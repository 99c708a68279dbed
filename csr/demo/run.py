"""Play the demo: the scenes of :mod:`csr.demo.scenes` through one :class:`Call`, the transcript
as text or, with ``--json``, as one document (facts, e-mails, lines) for scripts and tests."""

from __future__ import annotations

import contextlib

from csr.client.config import ClientConfig
from csr.console.render import Output
from csr.demo.call import EXIT_DEMO_FAILED, Call, DemoFailed, Line, Scene, Transcript
from csr.demo.scenes import SCENES


async def run_demo(config: ClientConfig, output: Output, scenes: list[Scene] | None = None) -> int:
    if scenes is None:
        scenes = SCENES
    transcript = Transcript(output)
    ok = True
    async with contextlib.AsyncExitStack() as stack:
        call = Call(config, transcript, stack)
        try:
            for scene in scenes:
                await scene(call)
        except DemoFailed as failure:
            transcript.add(Line("demo", "problem", str(failure)))
            ok = False
    if output.json_mode:
        output.json(
            {
                "ok": ok,
                "facts": call.facts,
                "emails": transcript.emails,
                "lines": [line.as_json() for line in transcript.lines],
            }
        )
    return 0 if ok else EXIT_DEMO_FAILED
