"""Load the seed catalog: an outdoor and camping store of about a hundred products with prices in
USD and EUR, stock levels, trackable items (tents, stoves, electronics: fulfilled ones become the
customer's assets), a few discount rules and coupons.

    uv run python scripts/seed_catalog.py            # against the configured system (csr config)

Idempotent: every product, rule and coupon is an upsert, so running it again gives the same
catalog (stock levels are set back to the seed's). It sends UpsertProductV1 commands as the
``system`` role, like an upstream catalog feed.
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from contracts.common import Money
from contracts.orders import UpsertCouponV1, UpsertDiscountRuleV1, UpsertProductV1
from csr.client import OmsClient, RequestRejected

# (sku stem, name, category, USD price, trackable, description)
_BASE: list[tuple[str, str, str, str, bool, str]] = [
    ("TENT-1P", "Solo Trekker 1P tent", "Tents", "189.00", True, "Freestanding one-person tent, 1.2 kg"),
    ("TENT-2P", "Ridge 2P tent", "Tents", "249.00", True, "Two-person three-season tent with two doors"),
    ("TENT-3P", "Basecamp 3P tent", "Tents", "329.00", True, "Roomy three-person tent for car camping"),
    ("TENT-4P", "Family Dome 4P tent", "Tents", "399.00", True, "Four-person dome with a large vestibule"),
    ("TENT-TARP", "Ultralight tarp 3x3", "Tents", "89.00", False, "Silnylon tarp with guylines"),
    ("BAG-SUM", "Summer down sleeping bag", "Sleeping", "179.00", False, "Comfort 10 C, 600 g"),
    ("BAG-3S", "Three-season sleeping bag", "Sleeping", "229.00", False, "Comfort 0 C, synthetic fill"),
    ("BAG-WIN", "Winter expedition sleeping bag", "Sleeping", "459.00", False, "Comfort -15 C, 850-fill down"),
    ("PAD-FOAM", "Closed-cell foam pad", "Sleeping", "39.00", False, "Egg-crate foam, R-value 2"),
    ("PAD-AIR", "Insulated air pad", "Sleeping", "149.00", False, "R-value 4.2, packs to a bottle"),
    ("PILLOW", "Inflatable camp pillow", "Sleeping", "29.00", False, "Soft brushed surface"),
    ("STOVE-CAN", "Canister stove", "Cooking", "59.00", True, "Piezo ignition, 2.6 kW"),
    ("STOVE-LIQ", "Multi-fuel stove", "Cooking", "169.00", True, "Burns white gas, kerosene, diesel"),
    ("POT-SET", "Titanium pot set", "Cooking", "99.00", False, "0.9 L pot with lid and mug"),
    ("FUEL-230", "Isobutane fuel 230 g", "Cooking", "7.50", False, "Fuel canister"),
    ("SPORK", "Titanium spork", "Cooking", "12.00", False, "Long handle"),
    ("FILTER", "Squeeze water filter", "Water", "45.00", False, "0.1 micron hollow fibre"),
    ("BOTTLE-1L", "Insulated bottle 1 L", "Water", "35.00", False, "Keeps cold 24 h"),
    ("BLADDER", "Hydration bladder 3 L", "Water", "32.00", False, "Wide opening, quick disconnect"),
    ("PACK-30", "Daypack 30 L", "Packs", "119.00", False, "Ventilated back panel"),
    ("PACK-50", "Trekking pack 50 L", "Packs", "229.00", False, "Adjustable torso length"),
    ("PACK-70", "Expedition pack 70 L", "Packs", "319.00", False, "Load lifters, removable lid"),
    ("HEADLAMP", "Rechargeable headlamp", "Electronics", "49.00", True, "400 lumen, USB-C"),
    ("LANTERN", "Solar lantern", "Electronics", "39.00", True, "Collapsible, 100 lumen"),
    ("GPS", "Handheld GPS", "Electronics", "299.00", True, "Topographic maps, 16 h battery"),
    ("BEACON", "Personal locator beacon", "Electronics", "349.00", True, "406 MHz, no subscription"),
    ("POWERBANK", "Power bank 20000 mAh", "Electronics", "59.00", True, "Two USB-C ports"),
    ("POLES", "Carbon trekking poles (pair)", "Hiking", "139.00", False, "Flick-lock, 440 g pair"),
    ("GAITERS", "Waterproof gaiters", "Hiking", "49.00", False, "Adjustable instep strap"),
    ("MAP-CASE", "Waterproof map case", "Hiking", "19.00", False, "A4, roll-top"),
    ("FIRSTAID", "First-aid kit", "Safety", "42.00", False, "Blister care and wound dressings"),
    ("BIVY", "Emergency bivy", "Safety", "24.00", False, "Reflective, reusable"),
    ("WHISTLE", "Rescue whistle", "Safety", "6.00", False, "120 dB, pealess"),
    ("KNIFE", "Folding knife", "Tools", "54.00", False, "Locking blade, 8 cm"),
    ("MULTITOOL", "Multi-tool", "Tools", "89.00", False, "18 tools, pliers and saw"),
    ("CHAIR", "Compact camp chair", "Furniture", "99.00", False, "Holds 145 kg, 1 kg"),
    ("TABLE", "Roll-up camp table", "Furniture", "79.00", False, "Aluminium, 70 x 40 cm"),
    ("HAMMOCK", "Hammock with bug net", "Furniture", "89.00", False, "Tree straps included"),
    ("KAYAK", "Touring kayak", "Paddling", "1199.00", True, "4.6 m, rudder, two hatches"),
    ("PADDLE", "Carbon kayak paddle", "Paddling", "229.00", False, "Two-piece, feathered"),
    ("PFD", "Paddling life vest", "Paddling", "119.00", False, "50 N buoyancy aid"),
    ("DRYBAG-10", "Dry bag 10 L", "Paddling", "19.00", False, "Roll-top, welded seams"),
    ("GIFTCARD", "Gift card", "Gifts", "50.00", False, "Delivered by e-mail"),
    ("REPAIR", "Tent repair service", "Services", "35.00", False, "Seam and pole repair"),
]
# Apparel in sizes: (stem, name, category, USD price)
_SIZED: list[tuple[str, str, str, str]] = [
    ("JKT-RAIN", "Rain jacket", "Apparel", "179.00"),
    ("JKT-DOWN", "Down jacket", "Apparel", "229.00"),
    ("FLEECE", "Fleece pullover", "Apparel", "79.00"),
    ("PANTS-HIKE", "Hiking pants", "Apparel", "89.00"),
    ("BASE-TOP", "Merino base layer top", "Apparel", "95.00"),
    ("SOCKS", "Hiking socks (2 pairs)", "Apparel", "28.00"),
    ("GLOVES", "Insulated gloves", "Apparel", "49.00"),
]
_SIZES = ("S", "M", "L", "XL")
_BOOTS = ("BOOT-MID", "Mid hiking boots", "Footwear", "189.00", ("39", "40", "41", "42", "43", "44", "45", "46"))
_NOT_STOCKED = {"GIFTCARD", "REPAIR"}


def _eur(usd: str) -> Decimal:
    # The EUR price list is set per product in a real store; the seed derives it and ends in .90.
    value = (Decimal(usd) * Decimal("0.92")).quantize(Decimal(1))
    return max(value - Decimal("0.10"), Decimal("0.90"))


def _stock(sku: str) -> int:
    # Deterministic, varied levels: some products are scarce, a few are out of stock.
    n = sum(map(ord, sku))
    return 0 if n % 17 == 0 else (n % 7) * 9 + 3


def products() -> list[UpsertProductV1]:
    rows: list[tuple[str, str, str, str, bool, str]] = list(_BASE)
    rows += [
        (f"{stem}-{size}", f"{name}, size {size}", cat, usd, False, f"{name} in size {size}")
        for stem, name, cat, usd in _SIZED
        for size in _SIZES
    ]
    stem, name, cat, usd, sizes = _BOOTS
    rows += [(f"{stem}-{s}", f"{name}, EU {s}", cat, usd, False, f"{name}, waterproof, EU size {s}") for s in sizes]
    return [
        UpsertProductV1(
            sku=sku,
            name=name,
            description=description,
            category=category,
            prices=[Money(amount=Decimal(usd), currency="USD"), Money(amount=_eur(usd), currency="EUR")],
            trackable=trackable,
            stocked=sku not in _NOT_STOCKED,
            on_hand=None if sku in _NOT_STOCKED else _stock(sku),
        )
        for sku, name, category, usd, trackable, description in rows
    ]


def discount_rules() -> list[UpsertDiscountRuleV1]:
    return [
        UpsertDiscountRuleV1(
            code="FUEL-6",
            description="10% off six or more fuel canisters",
            level="line",
            kind="percent",
            value=Decimal(10),
            sku="FUEL-230",
            min_quantity=6,
        ),
        UpsertDiscountRuleV1(
            code="BIG-BASKET-USD",
            description="$25 off orders of $500 or more",
            level="order",
            kind="amount",
            value=Decimal(25),
            currency="USD",
            min_subtotal=Decimal(500),
        ),
        UpsertDiscountRuleV1(
            code="BIG-BASKET-EUR",
            description="EUR 20 off orders of EUR 450 or more",
            level="order",
            kind="amount",
            value=Decimal(20),
            currency="EUR",
            min_subtotal=Decimal(450),
        ),
    ]


def coupons() -> list[UpsertCouponV1]:
    start, end = datetime(2025, 1, 1, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC)
    return [
        UpsertCouponV1(
            code="WELCOME10",
            description="10% off a first order",
            kind="percent",
            value=Decimal(10),
            valid_from=start,
            valid_to=end,
            once_per_customer=True,
        ),
        UpsertCouponV1(
            code="TRAIL15",
            description="$15 off orders over $100",
            kind="amount",
            value=Decimal(15),
            currency="USD",
            min_subtotal=Decimal(100),
            valid_from=start,
            valid_to=end,
            max_uses=1000,
        ),
    ]


@dataclass(frozen=True)
class Loaded:
    products: int
    rules: int
    coupons: int


async def load(client: OmsClient, *, with_pricing: bool = True) -> Loaded:
    """Send every upsert and wait for each reply (a rejection stops the load). Without pricing,
    only the products: the discount rules apply to every order, which tests may not want."""
    rules, offers = (discount_rules(), coupons()) if with_pricing else ([], [])
    sent = [*products(), *rules, *offers]
    replies = await asyncio.gather(*(client.send(command) for command in sent))
    for reply in replies:
        if not reply.accepted:
            raise RequestRejected(reply)
    return Loaded(products=len(products()), rules=len(rules), coupons=len(offers))


async def _main() -> int:
    from csr.client.config import ClientConfig

    config = ClientConfig.load()
    async with OmsClient(
        config.kafka_bootstrap,
        config.client_credentials("fulfilment"),  # a system's own client: the catalog is upstream data
        topic_prefix=config.topic_prefix,
        timeout=max(config.timeout, 60),
    ) as client:
        loaded = await load(client)
    print(f"seeded {loaded.products} products, {loaded.rules} discount rules, {loaded.coupons} coupons")
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(_main()))
