"""What a module brings, declared in one place.

Each domain package has a `module.py` with one `Module`: its permissions with the roles
that hold them, its page and API blueprints, its menu entries, what it adds to the start
page and its shortcuts, to the daily digest, to the demo data and to the benchmark.
`create_app`
registers the modules listed in `vftops.modules` in that order, and the menu and the
start page are built from what they declared, so core never imports a domain package
and a new module is a folder, one line in that list, a migration and translations.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from flask import Blueprint, Flask, current_app

from vftops.core.permissions import Permission, declare

EXTENSION_KEY = "vftops.modules"


@dataclass(frozen=True)
class Link:
    """A menu entry or shortcut. `permission`: needed to see it (None: anyone logged in).
    `group`: the key of a `Group` it sits in. Entries are shown by `order`."""

    label: Any  # a lazy translated string
    endpoint: str
    permission: str | None = None
    group: str | None = None
    order: int = 50


@dataclass(frozen=True)
class Group:
    """A menu of links from one or more modules, placed among the top links by `order`."""

    key: str
    label: Any
    order: int = 50


@dataclass(frozen=True)
class StartPart:
    """A part of the start page: `template` is rendered with `part`, what `tasks(user,
    now)` returned; a part whose tasks return None or nothing is left out. «top» parts
    come first, «todo» parts are cards under «To do» (which says «nothing needs your
    attention» when none has anything), «bottom» parts come last."""

    template: str
    tasks: Callable[[Any, datetime], Any]
    place: Literal["top", "todo", "bottom"] = "todo"
    order: int = 50


@dataclass(frozen=True)
class PagePart:
    """A section a module adds to another module's page: `template` is rendered with
    `found`, what `find(obj, user)` returned for the page's object."""

    template: str
    find: Callable[[Any, Any], Any]
    order: int = 50


@dataclass(frozen=True)
class DigestPart:
    """What a module adds to the daily digest e-mail (`flask vftops notify`).

    `collect(day, now)` reads what the part needs for everyone at once, in a fixed number
    of queries, and returns an object with:
    - `people`: the ids of the users it may have something for;
    - `for_person(person, municipality_ids)`: that person's section in the current
      language (falsy: nothing for them). A section has `count` (its items), `topics`
      (what it is about, in a word or two each) and `reason` (one sentence: why this
      person hears about it);
    - `notes`: lines for the command's output (e.g. a store nobody is told about).
    `template`: the section's e-mail templates, `<template>.html` and `<template>.txt`,
    rendered with `section`, `day`, `url(endpoint, **values)` and `link(item)`.
    `subject(count, day)`: the subject when this part is the only one a person hears
    about (None: the general one).
    `before()`: work done first on a real run (not a dry run), committed on its own; it
    returns [(line, is_problem)] for the command's output."""

    collect: Callable[[date, datetime], Any]
    template: str
    subject: Callable[[int, date], str] | None = None
    before: Callable[[], list[tuple[str, bool]]] | None = None
    order: int = 50


@dataclass(frozen=True)
class BenchCheck:
    """A page or API read the benchmark times (`flask vftops bench`). `path(ids)`: its
    address in the dataset (None: the dataset has nothing to show there). `api`: read with
    the API token, else logged in. `config`: settings changed while it is timed (e.g. a
    cache turned off). `target_ms`: the 95th percentile it should stay under."""

    name: str
    path: Callable[[dict], str | None]
    api: bool = False
    target_ms: int | None = None
    config: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class BenchPart:
    """A module's part of the benchmark.

    `build(world)`: writes its part of the synthetic dataset in bulk, given the sizes
    asked for and what the modules before it made (`world`, a dict); returns what it adds.
    `find(world)`: the same ids from a dataset an earlier run built (`--reuse`).
    `checks`: the reads it times. `writes(bench)`: times its writes through the API
    (`bench.api`, `bench.app`, `bench.world`, `bench.samples`) and returns {name: [ms]}.
    `targets`: the 95th percentile each write should stay under, in ms.
    `exports`: (name, path, target in seconds), each streamed once."""

    build: Callable[[dict], dict | None] | None = None
    find: Callable[[dict], dict | None] | None = None
    checks: Sequence[BenchCheck] = ()
    writes: Callable[[Any], dict[str, list[float]]] | None = None
    targets: Mapping[str, int] = field(default_factory=dict)
    exports: Sequence[tuple[str, str, int]] = ()


@dataclass(frozen=True)
class AuditObject:
    """A kind of object the audit log names. `names(ids, reader)`: {id: its name now} of
    those the reader may see, one query for the whole page (None: shown by id only, for
    objects whose names are personal); shown to readers who hold `permission`.
    `endpoint`/`arg`: its page, linked for readers who hold `link_permission` (default:
    `permission`)."""

    label: Any
    names: Callable[[list[int], Any], Mapping[int, str]] | None = None
    endpoint: str | None = None
    arg: str | None = None
    permission: str | None = None
    link_permission: str | None = None


@dataclass(frozen=True)
class AuditTexts:
    """How a module's audit events read to people: its object kinds (by table name), its
    actions (by code), the fields its changes name, the labels of coded values per field,
    and which fields hold the id of an object (shown by that object's name). A field or
    a coded value may be named for one kind of object only («agreements.owner_id»): the
    names are shared by every module, so one named like another's says whose it is."""

    objects: Mapping[str, AuditObject] = field(default_factory=dict)
    actions: Mapping[str, Any] = field(default_factory=dict)
    fields: Mapping[str, Any] = field(default_factory=dict)
    values: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    references: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Module:
    name: str
    # Its permissions, each with the roles that hold it (vftops.core.permissions).
    permissions: Sequence[Permission] = ()
    pages: Sequence[Blueprint] = ()
    api: Sequence[Any] = ()  # flask-smorest blueprints, under /api/v1
    groups: Sequence[Group] = ()
    navigation: Sequence[Link] = ()
    start: Sequence[StartPart] = ()
    shortcuts: Sequence[Link] = ()
    # {page name: parts} for pages of other modules that take parts, e.g.
    # "org.municipality" (a municipality's page).
    page_parts: Mapping[str, Sequence[PagePart]] = field(default_factory=dict)
    # {hook name: function} for what a module below asks of the modules above it,
    # e.g. "stock.fault_tickets": fault tickets per store and product (support).
    hooks: Mapping[str, Callable[..., Any]] = field(default_factory=dict)
    # How its audit events read (the audit log page).
    audit: AuditTexts = field(default_factory=AuditTexts)
    # What it adds to the daily digest e-mail.
    digest: Sequence[DigestPart] = ()
    # Its part of the benchmark: dataset, reads and writes timed.
    bench: BenchPart | None = None
    # Its demo data: `demo(world)` is given what the modules before it made (a dict) and
    # returns what it adds (`flask vftops demo`).
    demo: Callable[[dict], dict | None] | None = None

    def __post_init__(self) -> None:
        # Known as soon as the module is: a user's permissions are read from them.
        declare(self.permissions)


def register(app: Flask, modules: Sequence[Module]) -> None:
    """Register each module's blueprints and remember the modules for the menu and the
    start page."""
    from vftops.extensions import api

    names = [m.name for m in modules]
    if len(set(names)) != len(names):
        raise ValueError(f"a module is declared twice: {names}")
    _menu(modules)  # a link to an undeclared menu group fails here, at start-up
    for module in modules:
        for blueprint in module.pages:
            app.register_blueprint(blueprint)
    api.init_app(app)
    for module in modules:
        for blueprint in module.api:
            api.register_blueprint(blueprint)
    app.extensions[EXTENSION_KEY] = tuple(modules)


def declared(app: Flask | None = None) -> tuple[Module, ...]:
    return (app or current_app).extensions.get(EXTENSION_KEY, ())


# --- the menu ---------------------------------------------------------------------------


def _menu(modules: Sequence[Module]) -> list[tuple[int, Any]]:
    """[(order, Link or (Group, [Link]))], top level in order, each group's links in order."""
    groups = {g.key: g for m in modules for g in m.groups}
    members: dict[str, list[Link]] = {key: [] for key in groups}
    top: list[tuple[int, Any]] = []
    for module in modules:
        for link in module.navigation:
            if link.group is None:
                top.append((link.order, link))
            elif link.group in members:
                members[link.group].append(link)
            else:
                raise ValueError(f"{module.name}: no menu group {link.group!r} is declared")
    for key, group in groups.items():
        top.append((group.order, (group, sorted(members[key], key=lambda link: link.order))))
    top.sort(key=lambda entry: entry[0])
    return top


def visible_navigation(user) -> list[dict]:
    """The menu as one user sees it: links they may follow, and groups of them. A group
    with a single link left is shown as that link; an empty one not at all."""
    menu = []
    for _order, entry in _menu(declared()):
        if isinstance(entry, Link):
            if entry.permission is None or user.can(entry.permission):
                menu.append({"label": entry.label, "endpoint": entry.endpoint})
            continue
        group, links = entry
        items = [
            {"label": link.label, "endpoint": link.endpoint}
            for link in links
            if link.permission is None or user.can(link.permission)
        ]
        if len(items) > 1:
            menu.append({"label": group.label, "links": items})
        elif items:
            menu.append(items[0])
    return menu


# --- the start page ---------------------------------------------------------------------


def start_page(user, now: datetime) -> dict[str, list[tuple[StartPart, Any]]]:
    """{place: [(part, what its tasks returned)]} for the parts that have something."""
    placed: dict[str, list[tuple[int, StartPart, Any]]] = {"top": [], "todo": [], "bottom": []}
    for module in declared():
        for part in module.start:
            found = part.tasks(user, now)
            if found:
                placed[part.place].append((part.order, part, found))
    return {
        place: [(part, found) for _o, part, found in sorted(parts, key=lambda p: p[0])]
        for place, parts in placed.items()
    }


def shortcuts(user) -> list[Link]:
    links = [link for m in declared() for link in m.shortcuts]
    return [
        link
        for link in sorted(links, key=lambda link: link.order)
        if link.permission is None or user.can(link.permission)
    ]


# --- parts of other modules' pages ----------------------------------------------------------


def page_parts(page: str, obj, user) -> list[tuple[PagePart, Any]]:
    """[(part, what it found)] that the declared modules add to `page` for `obj`."""
    parts = sorted(
        (part for m in declared() for part in m.page_parts.get(page, ())),
        key=lambda part: part.order,
    )
    return [(part, part.find(obj, user)) for part in parts]


def digest_parts(app: Flask | None = None) -> list[DigestPart]:
    """The declared modules' parts of the daily digest, in their order."""
    parts = [part for m in declared(app) for part in m.digest]
    return sorted(parts, key=lambda part: part.order)


def hooks(name: str) -> list[Callable[..., Any]]:
    """The functions the declared modules give for hook `name`, in module order."""
    return [m.hooks[name] for m in declared() if name in m.hooks]


# --- how the audit log reads --------------------------------------------------------------


def audit_texts(app: Flask | None = None) -> AuditTexts:
    """Every module's audit texts in one, built once per application."""
    app = app or current_app
    merged = app.extensions.get(EXTENSION_KEY + ".audit")
    if merged is None:
        parts = [m.audit for m in declared(app)]
        merged = AuditTexts(
            objects={k: v for part in parts for k, v in part.objects.items()},
            actions={k: v for part in parts for k, v in part.actions.items()},
            fields={k: v for part in parts for k, v in part.fields.items()},
            values={k: v for part in parts for k, v in part.values.items()},
            references={k: v for part in parts for k, v in part.references.items()},
        )
        app.extensions[EXTENSION_KEY + ".audit"] = merged
    return merged
