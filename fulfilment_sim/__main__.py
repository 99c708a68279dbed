"""``python -m fulfilment_sim``: run the fulfilment simulator against the configured system.

It acts as the identity provider's ``fulfilment`` client (client credentials grant): the issuer is
OMS_OIDC_ISSUER, the secret OMS_FULFILMENT_CLIENT_SECRET (the dev realm's ``fulfilment-dev-secret``
when unset; both read from the dev stack's ``.stack/env`` too)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
from datetime import timedelta

from csr.client.config import ClientConfig
from fulfilment_sim.planner import Options
from fulfilment_sim.runner import run


def options(argv: list[str] | None = None) -> Options:
    env = os.environ.get
    parser = argparse.ArgumentParser(prog="python -m fulfilment_sim", description=__doc__)
    parser.add_argument(
        "--ship-delay",
        type=float,
        default=float(env("OMS_SIM_SHIP_DELAY_S", "2")),
        help="seconds between an order's release and its shipment (OMS_SIM_SHIP_DELAY_S)",
    )
    parser.add_argument(
        "--deliver-delay",
        type=float,
        default=float(env("OMS_SIM_DELIVER_DELAY_S", "5")),
        help="seconds between a shipment and its delivery; negative: never deliver (OMS_SIM_DELIVER_DELAY_S)",
    )
    parser.add_argument(
        "--warehouse",
        default=env("OMS_SIM_WAREHOUSE"),
        help="ship only orders whose 'warehouse' attribute is this (OMS_SIM_WAREHOUSE)",
    )
    parser.add_argument("--carrier", default=env("OMS_SIM_CARRIER", "SIM Parcel"))
    args = parser.parse_args(argv)
    return Options(
        ship_delay=timedelta(seconds=args.ship_delay),
        deliver_delay=timedelta(seconds=args.deliver_delay) if args.deliver_delay >= 0 else None,
        warehouse=args.warehouse or None,
        carrier=args.carrier,
    )  # fmt: skip


def main() -> None:
    opts = options()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run(ClientConfig.load(), opts))


if __name__ == "__main__":
    main()
