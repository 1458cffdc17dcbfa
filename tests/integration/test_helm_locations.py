"""Under real Helm 3 and Helm 4, a finding names the chart's template and the line in the
document Helm rendered from it (line 1 follows its `# Source:` comment, or Helm 4's `---`), not a
line of the whole rendered stream."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tests.conftest import BIN_DIR, CROSSPLANE_FIXTURES
from tests.integration.test_helm import helm_env, install_plugin

CHART = CROSSPLANE_FIXTURES / "charts" / "crossplane-2.1.8"
TEMPLATE = "crossplane/templates/deployment.yaml"
CHECK = """\
apiVersion: xpnet.dev/v1alpha1
kind: ClusterNetwork
metadata:
  name: corp
spec:
  proxy:
    httpProxy: http://proxy.corp.example:3128
  cluster:
    podCIDRs: [10.244.0.0/16]
    serviceCIDRs: [10.96.0.0/12]
  policy:
    mode: check
"""


def render(helm: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(helm), "template", "crossplane", str(CHART), "-n", "crossplane-system", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def core_container_line(stream: str) -> tuple[int, int]:
    """The line of the core's `- name: crossplane` container in the rendered stream, and in
    the document Helm rendered from deployment.yaml (1: the line after `# Source:`)."""
    lines = stream.splitlines()
    source = lines.index(f"# Source: {TEMPLATE}")
    container = next(
        i for i in range(source, len(lines)) if lines[i].strip() == "- name: crossplane"
    )
    return container + 1, container - source


def named(lines: str, variable: str) -> set[str]:
    """Where the findings about the core's crossplane container's `variable` point (XPN011:
    HTTPS_PROXY is not set, said at the container)."""
    about = f"Deployment/crossplane-system/crossplane: container crossplane: {variable}: XPN011 "
    pattern = rf"^ *xpnet: (.*?): error: {re.escape(about)}"  # Helm 4's log indents the lines
    return {m.group(1) for m in re.finditer(pattern, lines, re.M)}


def test_helm3_findings_name_the_template_and_its_rendered_line(
    helm3: Path, tmp_path: Path
) -> None:
    env = helm_env(tmp_path)
    stream = render(helm3, env).stdout
    in_stream, in_template = core_container_line(stream)
    assert in_stream > in_template, "the template is not the stream's first document"
    config = tmp_path / "xpnet.yaml"
    config.write_text(CHECK)
    done = render(
        helm3,
        env,
        "--post-renderer",
        str(BIN_DIR / "xpnet-helm"),
        f"--post-renderer-args=--config={config}",
    )
    assert done.returncode != 0
    assert named(done.stderr, "HTTPS_PROXY") == {f"{TEMPLATE}:{in_template}"}
    # The same stream through `xpnet render`, as a pipe
    piped = subprocess.run(
        [str(BIN_DIR / "xpnet"), "render", "-c", str(config)],
        input=stream,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert named(piped.stderr, "HTTPS_PROXY") == {f"{TEMPLATE}:{in_template}"}
    # Without `# Source:` comments the stream's own line is all there is, and said so
    bare = re.sub(r"(?m)^# Source: .*\n", "", stream)
    above = stream.splitlines()[:in_stream]
    in_bare = in_stream - sum(line.startswith("# Source:") for line in above)
    piped = subprocess.run(
        [str(BIN_DIR / "xpnet"), "render", "-c", str(config)],
        input=bare,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert named(piped.stderr, "HTTPS_PROXY") == {f"rendered line {in_bare}"}


def test_helm4_findings_name_the_template_and_its_rendered_line(
    helm3: Path, helm4: Path, tmp_path: Path
) -> None:
    """Helm 4 sends documents without `# Source:`, each with its template in an annotation it
    adds: the line is counted in that document, from the line after its `---`."""
    env = helm_env(tmp_path)
    env["PATH"] = f"{BIN_DIR}:{env['PATH']}"
    install_plugin(helm4, env)
    config = tmp_path / "xpnet.yaml"
    config.write_text(CHECK)
    done = render(helm4, env, "--post-renderer", "xpnet", f"--post-renderer-args=--config={config}")
    assert done.returncode != 0
    log = (tmp_path / "xpnet.log").read_text()
    (where,) = named(log, "HTTPS_PROXY")
    file, line = where.rsplit(":", 1)
    assert file == TEMPLATE
    # Helm 4's document is Helm 3's with the annotation added under metadata: its lines
    _, in_template = core_container_line(render(helm3, helm_env(tmp_path / "3")).stdout)
    assert int(line) - in_template in (1, 2), "the annotation adds a line (and annotations:)"
