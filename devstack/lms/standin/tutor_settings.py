"""Read the lmsauth block out of a settings file rendered by Tutor."""

import textwrap
from pathlib import Path

BEGIN = "# BEGIN lmsauth"
END = "# END lmsauth"


def lmsauth_blocks(path: Path) -> list[str]:
    """Return the text between each `# BEGIN lmsauth` / `# END lmsauth` pair, in file order."""
    blocks, current = [], None
    for line in path.read_text().splitlines():
        marker = line.strip()
        if marker == BEGIN:
            current = []
        elif marker == END and current is not None:
            blocks.append(textwrap.dedent("\n".join(current)))
            current = None
        elif current is not None:
            current.append(line)
    if current is not None:
        raise ValueError(f"{path}: '{BEGIN}' without '{END}'")
    return blocks
