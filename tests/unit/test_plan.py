"""plan.py: what fix writes, in one place (values and fix share it), and safe messages."""

from __future__ import annotations

from tests.unit_helpers import PROXY, config, core, installs
from xpnet import noproxy
from xpnet.plan import plan_fix, redact, variables


def test_variables_are_what_fix_writes() -> None:
    cfg = config()
    every = variables(cfg, noproxy.compute(cfg, "crossplane-system"))
    assert every["HTTP_PROXY"] == every["https_proxy"] == every["grpc_proxy"] == PROXY
    assert every["NO_PROXY"] == every["no_proxy"] == every["no_grpc_proxy"]
    secret = config(proxy={"credentialsSecret": {"name": "creds"}})
    with_refs = variables(secret, noproxy.compute(secret, "x"))
    assert with_refs["HTTPS_PROXY"].startswith(
        "http://$(XPNET_PROXY_USERNAME):$(XPNET_PROXY_PASSWORD)@"
    )


def test_a_stale_grpc_proxy_is_rewritten_to_the_https_proxy() -> None:
    env = "        env:\n        - name: grpc_proxy\n          value: http://old:1\n"
    (install,) = installs(core(env=env))
    (edit,) = plan_fix(config(), install).edits
    assert dict(edit.values)["grpc_proxy"] == PROXY and "grpc_proxy" in edit.changed


def test_redact_hides_credentials_even_in_malformed_urls() -> None:
    assert redact("http://u:pw@proxy:1") == "http://***@proxy:1"
    assert redact("http://u:s3cret@[fd00::1") == "http://***@[fd00::1"
    # Everything up to the last '@' may be what the user meant as credentials (a raw '/' in a
    # password ends the host for Go and Python): hidden too.
    assert redact("http://proxy:1/a@b") == "http://***@b"


def test_collapse_makes_one_finding_of_one_problem_about_several_variables() -> None:
    from xpnet import rules
    from xpnet.plan import Finding, collapse

    install = installs(core())[0]
    resource = install.resources[0]
    block = resource.blocks[0]
    same = [
        Finding(rules.XPN015, "carries credentials inline", resource, block, var)
        for var in ("HTTPS_PROXY", "https_proxy", "HTTPS_PROXY")  # the last one said twice
    ]
    other = Finding(rules.XPN001, "differs", resource, block, "NO_PROXY")
    config_level = [Finding(rules.XPN006, "https", None, None, v) for v in ("A", "B")]
    out = collapse([*config_level, same[0], other, *same[1:]])
    assert out[:2] == config_level, "the configuration's findings are kept as they are"
    assert out[2] == same[0]._replace(var=None, variables=("HTTPS_PROXY", "https_proxy"))
    assert out[2].names == ("HTTPS_PROXY", "https_proxy")
    assert out[3:] == [other]
