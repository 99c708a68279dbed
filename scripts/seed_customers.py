"""Seed a customers database with a realistic book of customers and measure how fast finds are.

    uv run python scripts/seed_customers.py                      # 100,000 customers into customers_seed
    uv run python scripts/seed_customers.py --count 20000 --database my_db --queries 500
    uv run python scripts/seed_customers.py --through-service    # also time finds through Kafka

The database is created when missing and migrated like the service does, then filled with COPY:
customers (about 5% guests), 1-2 addresses each, and 2,000 accounts that about a third of the
customers belong to. Seeded customers all share one argon2 hash of ``Seeded-pass1`` (hashing 100,000
passwords would take an hour and proves nothing about finding them).

Then a few hundred finds of every kind (logon id, first name, last name, phone, e-mail, postal code,
account, combined) are run with the service's own SQL (``services.customers.adapters.postgres.search``) and their
latency reported as p50/p95/p99. ``--through-service`` starts a customers service on the seeded
database and times the same finds as FindCustomersV1 round trips through Kafka.

The PostgreSQL server comes from OMS_PG_DSN, else from the dev stack (OMS_STACK_DIR).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from argon2 import PasswordHasher  # noqa: E402

from contracts.customers import FindCustomersV1, FoundCustomers, Page  # noqa: E402
from services.customers.adapters.postgres import search  # noqa: E402
from services.customers.settings import CustomersSettings  # noqa: E402
from services.runtime import db  # noqa: E402
from services.runtime.db import Connection  # noqa: E402

MIGRATIONS = ROOT / "services" / "customers" / "migrations"


def _words(text: str) -> list[str]:
    return text.split()


FIRST = _words(
    """James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard Susan
Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy Matthew Betty Anthony Margaret Mark Sandra
Donald Ashley Steven Kimberly Paul Emily Andrew Donna Joshua Michelle Kenneth Carol Kevin Amanda Brian Dorothy George
Melissa Timothy Deborah Ronald Stephanie Edward Rebecca Jason Sharon Jeffrey Laura Ryan Cynthia Jacob Kathleen Gary
Amy Nicholas Angela Eric Shirley Jonathan Anna Stephen Brenda Larry Pamela Justin Emma Scott Nicole Brandon Helen
Benjamin Samantha Samuel Katherine Gregory Christine Alexander Debra Frank Rachel Patrick Carolyn Raymond Janet Jack
Catherine Dennis Maria Jerry Heather Tyler Diane Aaron Ruth Jose Julie Adam Olivia Nathan Joyce Henry Virginia Zachary
Victoria Douglas Kelly Peter Lauren Kyle Christina Noah Joan Ethan Evelyn Jeremy Judith Walter Megan Christian Andrea
Keith Cheryl Roger Hannah Terry Jacqueline Austin Martha Sean Gloria Gerald Teresa Carl Ann Harold Sara Dylan Madison
Arthur Frances Lawrence Kathryn Jordan Janice Jesse Jean Bryan Abigail Billy Alice Bruce Judy Gabriel Sophia Joe Grace
Logan Denise Alan Amber Juan Doris Albert Marilyn Willie Danielle Elijah Beverly Wayne Isabella Randy Theresa Vincent
Diana Mason Natalie Roy Brittany Ralph Charlotte Bobby Marie Russell Kayla Bradley Alexis Philip Lori Eugene
Chloe Aiden Sofia Lucas Mia Mateo Camila Luis Valentina Diego Lucia Hugo Ines Pierre Amelie Lukas Lena Kenji Yuki
Wei Mei Arjun Priya Omar Fatima Ivan Olga Sven Ingrid Piotr Zofia Tomas Elif Mehmet Aylin"""
)

LAST = _words(
    """Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Wilson
Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis Robinson Walker
Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter
Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers
Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson Watson Brooks Chavez
Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo Sanders Patel Myers Long Ross Foster Jimenez Powell
Jenkins Perry Russell Sullivan Bell Coleman Butler Henderson Barnes Gonzales Fisher Vasquez Simmons Romero Jordan
Patterson Alexander Hamilton Graham Reynolds Griffin Wallace Moreno West Cole Hayes Bryant Herrera Gibson Ellis Tran
Medina Aguilar Stevens Murray Ford Castro Marshall Owens Harrison Fernandez McDonald Woods Washington Kennedy Wells
Vargas Henry Chen Freeman Webb Tucker Guzman Burns Crawford Olson Simpson Porter Hunter Gordon Mendez Silva Shaw Snyder
Mason Dixon Munoz Hunt Hicks Holmes Palmer Wagner Black Robertson Boyd Rose Stone Salazar Fox Warren Mills Meyer Rice
Schmidt Garza Daniels Ferguson Nichols Stephens Soto Weaver Ryan Gardner Payne Grant Dunn Kelley Spencer Hawkins Arnold
Pierce Vazquez Hansen Peters Santos Hart Bradley Knight Elliott Cunningham Duncan Armstrong Hudson Carroll Lane Riley
Andrews Alvarado Ray Delgado Berry Perkins Hoffman Johnston Matthews Pena Richards Contreras Willis Carpenter Lawrence
Sandoval Guerrero George Chapman Rios Estrada Ortega Watkins Greene Nunez Wheeler Valdez Harper Burke Larson Santiago
Maldonado Morrison Franklin Carlson Austin Dominguez Carr Lawson Jacobs OBrien Lynch Singh Vega Bishop Montgomery
Oliver Jensen Harvey Williamson Gilbert Dean Sims Espinoza Howell Li Wong Reid Hanson Le McCoy Garrett Burton Fuller
Wang Weber Welch Rojas Lucas Marquez Fields Park Yang Little Banks Padilla Day Walsh Bowman Schultz Luna Fowler Mejia
Davidson Acosta Brewer May Holland Juarez Newman Pearson Curtis Cortez Douglas Schneider Joseph Barrett Navarro Figueroa
Keller Avila Wade Molina Stanley Hopkins Campos Barnett Bates Chambers Caldwell Beck Lambert Miranda Byrd Craig Ayala
Lowe Frazier Powers Neal Leonard Gregory Carrillo Sutton Fleming Rhodes Shelton Schwartz Norris Jennings Watts Duran
Walters Cohen McDaniel Moran Parks Steele Vaughn Becker Holt Deleon Barker Terry Hale Leon Hail Benson Haynes Horton
Miles Lyons Pham Graves Bush Thornton Wolfe Warner Cabrera McKinney Mann Zimmerman Dawson Lara Fletcher Page McCarthy
Love Robles Cervantes Solis Erickson Reeves Chang Klein Salinas Fuentes Baldwin Daniel Simon Velasquez Hardy Higgins
Aguirre Lin Cummings Chandler Sharp Barber Bowen Ochoa Dennis Robbins Liu Ramsey Francis Griffith Paul Blair Oconnor
Cardenas Pacheco Cross Calderon Quinn Moss Swanson Chan Rivas Khan Rodgers Serrano Fitzgerald Rosales Stevenson
Christensen Manning Gill Curry McLaughlin Harmon McGee Gross Doyle Garner Newton Burgess Reese Walton Blake Trujillo
Adkins Brady Goodman Roman Webster Goodwin Fischer Huang Potter Delacruz Montoya Todd Wu Hines Mullins Castaneda
Malone Cannon Tate Mack Sherman Hubbard Hodges Zhang Guerra Wolf Valencia Saunders Franco Rowe Gallagher Farmer
Hammond Hampton Townsend Ingram Wise Gallegos Clarke Barton Schroeder Maxwell Waters Logan Camacho Strickland Norman
Person Colon Parsons Frank Harrington Glover Osborne Buchanan Casey Floyd Patton Ibarra Ball Tyler Suarez Bowers
Orozco Salas Cobb Gibbs Andrade Bauer Conner Moody Escobar McGuire Lloyd Mueller Hartman French Kramer McBride Pope
Lindsey Velazquez Norton McCormick Sparks Flynn Yates Hogan Marsh Macias Villanueva Zamora Pratt Stokes Owen Ballard
Lang Brock Villarreal Charles Drake Barrera Cain Patrick Pineda Burnett Mercado Santana Shepherd Bautista Ali Shaffer
Lamb Trevino McKenzie Hess Beil Olsen Cochran Morton Nash Wilkins Petersen Briggs Shah Roth Nicholson Holloway Lozano
Rangel Flowers Hoover Short Arias Mora Valenzuela Bryan Meyers Weiss Underwood Bass Greer Summers Houston Carson Morrow
Clayton Whitaker Decker Yoder Collier Zuniga Carey Wilcox Melendez Poole Roberson Larsen Conley Davenport Copeland
Massey Lam Huff Rocha Cameron Jefferson Hood Monroe Anthony Pittman Huynh Randall Singleton Kirk Combs Mathis
Christian Skinner Bradford Richard Galvan Wall Boone Kirby Wilkinson Bridges Bruce Atkinson Velez Meza Roy Vincent
York Hodge Villa Abbott Allison Tapia Gates Chase Sosa Sweeney Farrell Wyatt Dalton Horn Barron Phelps Yu Dickerson
Heath Foley Atkins Mathews Bonilla Acevedo Benitez Zavala Hensley Glenn Cisneros Harrell Shields Rubio Huffman Choi
Boyer Garrison Arroyo Bond Kane Hancock Callahan Dillon Cline Wiggins Grimes Arellano Melton Oneill Savage Ho Beltran
Pitts Parrish Ponce Rich Booth Koch Golden Ware Brennan McDowell Marks Cantu Humphrey Baxter Sawyer Clay Tanner
Hutchinson Kaur Berg Wiley Gilmore Russo Villegas Hobbs Keith Wilkerson Ahmed Beard McClain Montes Mata Rosario
Vang Walter Henson Oneal Mosley McClure Beasley Stephenson Snow Huerta Preston Vance Barry Johns Eaton Blackwell
Dyer Prince Macdonald Solomon Guevara Stafford English Hurst Woodard Cortes Shannon Kemp Nolan McCullough Merritt
Murillo Moon Salgado Strong Kline Cordova Barajas Roach Rosas Winters Jacobson Lester Knox Bullock Kerr Leach Meadows
Davila Orr Whitehead Pruitt Kent Conway McKee Barr David Dejesus Marin Berger McIntyre Blankenship Gaines Palacios
Cuevas Bartlett Durham Dorsey McCall Odonnell Stein Browning Stout Lowery Sloan McLean Hendricks Calhoun Sexton Chung
Gentry Hull Duarte Ellison Nielsen Gillespie Buck Middleton Sellers Leblanc Esparza Hardin Bradshaw McIntosh Howe
Livingston Frost Glass Morse Knapp Herman Stark Bravo Noble Spears Weeks Corona Frederick Buckley McFarland Hebert
Enriquez Hickman Quintero Randolph Schaefer Walls Trejo House Reilly Pennington Michael Conrad Giles Benjamin Crosby
Fitzpatrick Donovan Mays Mahoney Valentine Raymond Medrano Hahn McMillan Small Bentley Felix Peck Lucero Boyle Hanna
Pace Rush Hurley Harding McConnell Bernal Nava Ayers Everett Ventura Avery Pugh Mayer Bender Shepard McMahon Landry
Case Sampson Moses Magana Blackburn Dunlap Gould Duffy Vaughan Herring McKay Espinosa Rivers Farley Bernard Ashley
Friedman Potts Truong Costa Correa Blevins Nixon Clements Fry Delarosa Best Benton Lugo Portillo Dougherty Crane Haley
Phan Villalobos Blanchard Horne Finley Quintana Lynn Esquivel Bean Dodson Mullen Xiong Hayden Cano Levy Huber Richmond
Moyer Lim Frye Sheppard McCarty Avalos Booker Waller Parra Woodward Jaramillo Krueger Rasmussen Brandt Peralta Donaldson
Stuart Faulkner Maynard Galindo Coffey Estes Sanford Burch Maddox Vo Oconnell Vu Andersen Spence McPherson Church
Schmitt Stanton Leal Cherry Compton Dudley Sierra Pollard Alfaro Hester Proctor Lu Hinton Novak Good Madden McCann
Terrell Jarvis Dickson Reyna Cantrell Mayo Branch Hendrix Rollins Rowland Whitney Duke Odom Daugherty Travis Tang"""
)

STREETS = _words("Main Oak Maple Cedar Pine Elm Washington Lake Hill Park River Church Spring Market Mill Sunset")
CITIES = [
    ("Springfield", "IL", "US"), ("Portland", "OR", "US"), ("Austin", "TX", "US"), ("Denver", "CO", "US"),
    ("Boston", "MA", "US"), ("Seattle", "WA", "US"), ("Miami", "FL", "US"), ("Toronto", "ON", "CA"),
    ("Ottawa", "ON", "CA"), ("Vancouver", "BC", "CA"), ("London", None, "GB"), ("Manchester", None, "GB"),
]  # fmt: skip
COMPANY_WORDS = _words(
    "Acme Globex Initech Umbrella Stark Wayne Hooli Vandelay Soylent Tyrell Cyberdyne Wonka Gringotts"
)
COMPANY_KINDS = _words("Industries Holdings Logistics Foods Media Labs Partners Systems Outfitters Trading Group")


def postal_code(rng: random.Random, country: str) -> str:
    if country == "US":
        return f"{rng.randint(1000, 99999):05d}"

    def letter() -> str:
        return rng.choice("ABCEGHJKLMNPRSTVXY")

    def digit() -> int:
        return rng.randint(0, 9)

    if country == "CA":
        return f"{letter()}{digit()}{letter()} {digit()}{letter()}{digit()}"
    return f"{rng.choice('EMNSW')}{letter()}{rng.randint(1, 20)} {rng.randint(1, 9)}{letter()}{letter()}"


def phone(rng: random.Random, country: str) -> str:
    if country == "GB":
        return f"+44 20 {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}"
    return f"+1 ({rng.randint(201, 989)}) {rng.randint(200, 999)}-{rng.randint(0, 9999):04d}"


def generate(
    count: int, seed: int, password_hash: str
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    rng = random.Random(seed)
    start = datetime(2020, 1, 1, tzinfo=UTC)
    accounts = []
    for n in range(2000):
        name = f"{rng.choice(COMPANY_WORDS)} {rng.choice(LAST)} {rng.choice(COMPANY_KINDS)}"
        accounts.append((uuid.UUID(int=rng.getrandbits(128)), f"A{200001 + n}", name, None, None, "{}", start, "seed"))
    customers: list[tuple[Any, ...]] = []
    addresses: list[tuple[Any, ...]] = []
    for n in range(count):
        customer_id = uuid.UUID(int=rng.getrandbits(128))
        first, last = rng.choice(FIRST), rng.choice(LAST)
        city, region, country = rng.choice(CITIES)
        guest = rng.random() < 0.05
        created = start + timedelta(minutes=rng.randint(0, 3 * 365 * 24 * 60))
        logon = None if guest else f"{first.lower()}.{last.lower()}{n}"
        domain = rng.choice(["example.com", "mail.example.org", "post.example.net"])
        email = f"{first.lower()}.{last.lower()}{rng.randint(1, 999)}@{domain}"
        currency, language = {"GB": ("GBP", "en-GB"), "CA": ("CAD", "en-CA")}.get(country, ("USD", "en-US"))
        account_id = rng.choice(accounts)[0] if not guest and rng.random() < 0.33 else None
        customers.append((
            customer_id, logon, None if guest else password_hash, None if guest else "First pet?", guest, first, last,
            email, phone(rng, country), phone(rng, country) if rng.random() < 0.4 else None,
            currency, language,
            json.dumps({"age_band": rng.choice(["18-24", "25-34", "35-44", "45-54", "55+"])}), "{}", account_id,
            "enabled", 1, created, "seed", created, "seed",
        ))  # fmt: skip
        for k in range(1 if rng.random() < 0.7 else 2):
            addresses.append((
                uuid.UUID(int=rng.getrandbits(128)), customer_id, None, first, last,
                f"{rng.randint(1, 9999)} {rng.choice(STREETS)} {rng.choice(['St', 'Ave', 'Rd', 'Blvd'])}", None, city,
                region, postal_code(rng, country), country, None, k == 0, k == 0, created, "seed", created, "seed",
            ))  # fmt: skip
    return accounts, customers, addresses


CUSTOMER_COLUMNS = [
    "customer_id", "logon_id", "password_hash", "challenge_question", "guest", "first_name", "last_name", "email",
    "phone", "mobile_phone", "preferred_currency", "preferred_language", "demographics", "attributes", "account_id",
    "status", "version", "created_at", "created_by", "updated_at", "updated_by",
]  # fmt: skip
ADDRESS_COLUMNS = [
    "address_id", "customer_id", "nickname", "first_name", "last_name", "line1", "line2", "city", "region",
    "postal_code", "country", "phone", "default_billing", "default_shipping", "created_at", "created_by",
    "updated_at", "updated_by",
]  # fmt: skip
ACCOUNT_COLUMNS = ["account_id", "account_number", "name", "email", "phone", "attributes", "created_at", "created_by"]


async def seed(conn: Connection, count: int, seed_value: int) -> None:
    started = time.perf_counter()
    password_hash = PasswordHasher().hash("Seeded-pass1")
    accounts, customers, addresses = generate(count, seed_value, password_hash)
    print(f"generated {len(customers):,} customers, {len(addresses):,} addresses, {len(accounts):,} accounts "
          f"in {time.perf_counter() - started:.1f}s")  # fmt: skip
    started = time.perf_counter()
    async with conn.transaction():
        await conn.copy_records_to_table("accounts", records=accounts, columns=ACCOUNT_COLUMNS)
        await conn.copy_records_to_table("customers", records=customers, columns=CUSTOMER_COLUMNS)
        await conn.copy_records_to_table("addresses", records=addresses, columns=ADDRESS_COLUMNS)
    await conn.execute("ANALYZE accounts; ANALYZE customers; ANALYZE addresses")
    print(f"loaded with COPY (indexes maintained) and analyzed in {time.perf_counter() - started:.1f}s")


# --- measuring -----------------------------------------------------------------------------------

Criteria = dict[str, Any]


async def sample_queries(conn: Connection, per_kind: int, seed_value: int) -> list[tuple[str, Criteria]]:
    """Finds a CSR would type, taken from real rows so most of them match something."""
    rng = random.Random(seed_value)
    rows = await conn.fetch(
        """SELECT c.logon_id, c.first_name, c.last_name, c.email, c.phone, acc.name AS account,
                  (SELECT postal_code FROM addresses a WHERE a.customer_id = c.customer_id LIMIT 1) AS postal_code
             FROM customers c TABLESAMPLE SYSTEM (5) LEFT JOIN accounts acc USING (account_id)
            WHERE NOT c.guest LIMIT 2000"""
    )
    with_account = [r for r in rows if r["account"]]

    def fragment(text: str, size: int) -> str:
        at = rng.randint(0, max(0, len(text) - size))
        return text[at : at + size]

    makers: dict[str, Callable[[asyncpg.Record], Criteria]] = {
        "logon_id (exact)": lambda r: {"logon_id": r["logon_id"]},
        "logon_id (part)": lambda r: {"logon_id": fragment(r["logon_id"], 8)},
        "first_name": lambda r: {"first_name": r["first_name"][:4].lower()},
        "last_name": lambda r: {"last_name": r["last_name"].upper()},
        "last_name (3 letters)": lambda r: {"last_name": fragment(r["last_name"], 3)},
        "phone (last 7 digits)": lambda r: {"phone": "".join(ch for ch in r["phone"] if ch.isdigit())[-7:]},
        "email (part)": lambda r: {"email": fragment(r["email"].split("@")[0], 9)},
        "postal_code": lambda r: {"postal_code": r["postal_code"][:4]},
        "last_name + postal": lambda r: {"last_name": r["last_name"], "postal_code": r["postal_code"][:3]},
        "first + last name": lambda r: {"first_name": r["first_name"], "last_name": r["last_name"]},
    }
    queries = [(kind, make(rng.choice(rows))) for kind, make in makers.items() for _ in range(per_kind)]
    queries += [("account", {"account": fragment(rng.choice(with_account)["account"], 10)}) for _ in range(per_kind)]
    rng.shuffle(queries)
    return queries


def report(title: str, timings: dict[str, list[float]], hits: dict[str, list[int]]) -> None:
    print(f"\n{title}")
    print(f"{'kind':<24}{'n':>5}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}{'avg hits':>10}")
    everything = [t for ts in timings.values() for t in ts]
    for kind, ts in [*sorted(timings.items()), ("ALL", everything)]:
        q = statistics.quantiles(ts, n=100, method="inclusive") if len(ts) > 1 else ts * 99
        avg_hits = (
            statistics.mean(hits[kind]) if kind in hits else statistics.mean(h for hs in hits.values() for h in hs)
        )
        print(f"{kind:<24}{len(ts):>5}{q[49]:>9.1f}{q[94]:>9.1f}{q[98]:>9.1f}{max(ts):>9.1f}{avg_hits:>10.1f}")


async def measure(run: Callable[[FindCustomersV1], Awaitable[int]], queries: list[tuple[str, Criteria]]) -> tuple[
    dict[str, list[float]], dict[str, list[int]]
]:  # fmt: skip
    timings: dict[str, list[float]] = {}
    hits: dict[str, list[int]] = {}
    for kind, criteria in queries:
        query = FindCustomersV1(**criteria, page=Page(size=20))
        started = time.perf_counter()
        found = await run(query)
        timings.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
        hits.setdefault(kind, []).append(found)
    return timings, hits


async def through_database(pool: asyncpg.Pool, queries: list[tuple[str, Criteria]]) -> None:
    async def run(query: FindCustomersV1) -> int:
        async with pool.acquire() as conn:
            return len(await search.find_customers(conn, query))

    await measure(run, queries[:20])  # warm the cache and the pool
    report("Find latency, the service's SQL on PostgreSQL (page of 20):", *await measure(run, queries))


async def through_service(settings: CustomersSettings, queries: list[tuple[str, Criteria]]) -> None:
    from contracts.envelope import Role
    from csr.client import OmsClient
    from csr.client.config import ClientConfig
    from csr.client.dev_realm import person_login
    from devstack.api import ensure_stack

    issuer = ClientConfig.load().issuer()  # the service verifies the token the client logs in for
    prefix = f"seed{uuid.uuid4().hex[:6]}."
    port = 18000 + random.randint(0, 999)
    env = {**os.environ, "OMS_PG_DSN": settings.pg_dsn, "OMS_DB_NAME": settings.database,
           "OMS_KAFKA_BOOTSTRAP": settings.kafka_bootstrap, "OMS_TOPIC_PREFIX": prefix, "OMS_HTTP_PORT": str(port),
           "OMS_LOG_LEVEL": "WARNING", "OMS_OIDC_ISSUER": issuer}  # fmt: skip
    log = Path(tempfile.gettempdir()) / f"seed-customers-{prefix.rstrip('.')}.log"
    print(f"\nstarting a customers service on {settings.database} (log: {log})")
    with log.open("wb") as out:
        service = await asyncio.to_thread(
            subprocess.Popen,
            [sys.executable, "-m", "services.customers"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 90
        while not await asyncio.to_thread(_healthy, port):
            if time.monotonic() > deadline or service.poll() is not None:
                raise RuntimeError("the customers service did not become healthy")
            await asyncio.sleep(0.5)
        stack = ensure_stack()
        if not stack.keycloak_url:
            raise RuntimeError("the stack runs no identity provider (OMS_KEYCLOAK_URL)")
        csr = person_login(issuer, stack.keycloak_url, "seed-benchmark", Role.CSR)
        async with OmsClient(settings.kafka_bootstrap, csr, topic_prefix=prefix, reply_topic="replies.seed") as client:

            async def run(query: FindCustomersV1) -> int:
                return len((await client.request(query, FoundCustomers)).customers)

            await measure(run, queries[:20])
            report("Find latency through Kafka (FindCustomersV1 round trip, page of 20):", *await measure(run, queries))
    finally:
        service.terminate()
        service.wait(30)


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as resp:
            return bool(resp.status == 200)
    except OSError:
        return False


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--database", default="customers_seed")
    parser.add_argument("--queries", type=int, default=30, help="finds per kind (11 kinds)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--through-service", action="store_true")
    args = parser.parse_args()

    settings = _settings(args.database)
    await db.ensure_database(settings)
    pool = await db.create_pool(settings)
    try:
        await db.migrate(pool, MIGRATIONS)
        async with pool.acquire() as conn:
            existing = await conn.fetchval("SELECT count(*) FROM customers")
            if existing >= args.count:
                print(f"{args.database} already holds {existing:,} customers; measuring only")
            elif existing:
                raise SystemExit(f"{args.database} holds {existing:,} customers, fewer than asked: use a new database")
            else:
                await seed(conn, args.count, args.seed)
            total = await conn.fetchval("SELECT count(*) FROM customers")
            print(f"{args.database}: {total:,} customers")
            queries = await sample_queries(conn, args.queries, args.seed)
        await through_database(pool, queries)
    finally:
        await pool.close()
    if args.through_service:
        await through_service(settings, queries)


def _settings(database: str) -> CustomersSettings:
    if os.environ.get("OMS_PG_DSN"):
        return CustomersSettings(db_name=database)
    from devstack.api import ensure_stack

    stack = ensure_stack()
    return CustomersSettings(db_name=database, pg_dsn=stack.pg_dsn, kafka_bootstrap=stack.kafka_bootstrap)


if __name__ == "__main__":
    asyncio.run(main())
