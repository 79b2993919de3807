"""The documentation holds together: a short README, links that resolve, a current configuration
reference."""
import re
import subprocess
import sys
from pathlib import Path

import pytest

import harness

ROOT = harness.REPO_ROOT
PAGES = [ROOT / "README.md"] + sorted((ROOT / "docs").glob("*.md"))
LINK = re.compile(r"(?<!\!)\[[^\]]*\]\(([^)\s]+)\)|!\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.S | re.M)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"`", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    return {slug(m.group(1)) for m in re.finditer(r"^#{1,6} (.+)$", text, re.M)}


def links(path: Path) -> list[str]:
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    text = re.sub(r"`[^`\n]*`", "", text)  # a link inside code is an example, not a link
    return [a or b for a, b in LINK.findall(text)]


def test_the_readme_is_a_front_door_of_at_most_200_lines():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").count("\n")
    assert lines <= 200, f"README.md has {lines} lines; move reference material to docs/"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_resolves(page):
    broken = []
    for target in links(page):
        if re.match(r"^(https?|mailto):", target):
            assert re.match(r"^(https?://[^\s/]+\.[^\s/]+|mailto:\S+@\S+)", target), f"malformed URL {target}"
            continue
        path_part, _, anchor = target.partition("#")
        resolved = (page.parent / path_part).resolve() if path_part else page
        if not resolved.exists():
            broken.append(f"{target}: no file {resolved.relative_to(ROOT) if resolved.is_relative_to(ROOT) else resolved}")
            continue
        if anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
            broken.append(f"{target}: no heading #{anchor} in {resolved.relative_to(ROOT)}")
    assert not broken, f"{page.relative_to(ROOT)} has broken links:\n" + "\n".join(broken)


def test_the_pages_link_each_other_from_the_readme():
    readme_links = {(ROOT / t.partition("#")[0]).resolve() for t in links(ROOT / "README.md") if not t.startswith("http")}
    unlinked = [p.name for p in PAGES[1:] if p.resolve() not in readme_links]
    assert not unlinked, f"docs pages the README does not link: {unlinked}"


def test_the_configuration_reference_is_made_from_the_current_example():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "config-reference"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
