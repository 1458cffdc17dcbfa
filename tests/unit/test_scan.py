from __future__ import annotations

from xpnet.yaml.scan import Segment, may_need_change, outline, resource_list_layout

KUSTOMIZE_STYLE = """\
apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: apps/v1
  kind: Deployment
  metadata:
    annotations:
      kustomize.config.k8s.io/id: |
        kind: ConfigMap
        name: x
    name: crossplane
  data:
    x: |
      - not an item
- kind: ConfigMap
  apiVersion: v1
functionConfig:
  kind: ClusterNetwork
"""


def whole(text: str) -> Segment:
    """A segment that is the whole text."""
    return Segment(0, len(text), text, 1)


def test_layout_of_a_kustomize_resource_list() -> None:
    layout = resource_list_layout(KUSTOMIZE_STYLE)
    assert layout is not None
    assert list(layout.keys) == ["apiVersion", "kind", "items", "functionConfig"]
    first, second = layout.items
    assert first.line == 4 and second.line == 15
    assert first.text.startswith("  apiVersion: apps/v1\n")
    assert first.unmask(first.text) == KUSTOMIZE_STYLE[first.start : first.end]
    assert outline(first).kind == "Deployment" and outline(second).kind == "ConfigMap"
    assert may_need_change(first) is False  # says crossplane, but runs neither core nor rbac start
    assert may_need_change(second) is False
    core = first.text.replace("  data:\n", "  args: [core, start]\n  data:\n")
    assert may_need_change(Segment(0, len(core), core, 4)) is True


def test_layout_gives_up_on_shapes_it_cannot_be_sure_of() -> None:
    assert resource_list_layout('{"kind": "ResourceList", "items": []}') is None
    assert resource_list_layout("kind: ResourceList\nitems: [{kind: A}]\n") is None
    assert resource_list_layout("kind: ResourceList\nother: 1\n") is None
    assert resource_list_layout("kind: ResourceList\nitems:\n-\tkind: A\n") is None
    assert resource_list_layout("---\nkind: ResourceList\n") is None


def test_empty_items() -> None:
    layout = resource_list_layout("kind: ResourceList\nitems: []\nfunctionConfig: {}\n")
    assert layout is not None and layout.items == ()


def test_unrecognisable_kind_is_parsed_to_be_sure() -> None:
    flow = '  {"kind": "Deployment", "metadata": {"name": "crossplane"}, "x": ["core", "start"]}\n'
    assert may_need_change(whole(flow)) is True
    assert may_need_change(whole(flow.replace('"start"', '"stop"'))) is False
    assert may_need_change(whole("  {kind: Deployment}\n")) is False
    assert may_need_change(whole("  kind: Deployment\n  x: 1\n")) is False
    assert may_need_change(whole("  kind: 'ControllerConfig'\n")) is True


def test_only_xpnets_own_network_policies_are_parsed() -> None:
    theirs = (
        "  apiVersion: networking.k8s.io/v1\n  kind: NetworkPolicy\n  metadata:\n    name: deny\n"
    )
    assert may_need_change(whole(theirs)) is False
    assert may_need_change(whole(theirs.replace("deny", "xpnet-core-egress"))) is True
