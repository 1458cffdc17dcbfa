"""The metadata and identity endpoints each cloud's SDKs call from a pod (spec.cluster.cloud): the
one table of them, each with the documentation it was checked against.

They are link-local or host-local addresses that a proxy cannot reach; a provider whose SDK
fetches credentials through the proxy fails to authenticate, so they go into NO_PROXY, as
OpenShift does for its platforms (cluster-network-operator pkg/util/proxyconfig/no_proxy.go).
What goes direct must also pass the NetworkPolicies (spec.networkPolicy), which judge addresses
and ports only: so each endpoint carries the address its name stands for and its ports."""

from __future__ import annotations

from xpnet.records import NamedTuple


class CloudEndpoint(NamedTuple):
    value: str  # the NO_PROXY entry
    what: str  # the reason explain shows
    url: str  # a request an SDK makes there (explain's destination)
    source: str  # the documentation that says so
    address: str = ""  # the IP the entry stands for, when it is a name
    ports: tuple[int, ...] = (80,)  # TCP ports the SDKs call there (plain HTTP)

    @property
    def ip(self) -> str:
        """The address a NetworkPolicy must allow for this endpoint."""
        return self.address or self.value


_AWS_SDK_IMDS = (
    "docs.aws.amazon.com/sdkref/latest/guide/feature-imds-client.html: endpoint "
    "http://169.254.169.254 when endpoint_mode is IPv4 (the default), http://[fd00:ec2::254] "
    "when IPv6 (AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE)"
)
_AWS_POD_IDENTITY = (
    "docs.aws.amazon.com/eks/latest/userguide/pod-id-agent-setup.html: the agent listens on "
    "169.254.170.23 (IPv4) and [fd00:ec2::23] (IPv6); docs.aws.amazon.com/sdkref/latest/guide/"
    "feature-container-credentials.html: EKS sets AWS_CONTAINER_CREDENTIALS_FULL_URI for the SDKs"
)
_AZURE_IMDS = (
    "learn.microsoft.com/azure/virtual-machines/instance-metadata-service: IMDS at "
    "169.254.169.254; have HTTP clients bypass web proxies when querying it, and treat "
    "169.254.169.254 the same as 168.63.129.16"
)
_AZURE_WIRESERVER = (
    "learn.microsoft.com/azure/virtual-network/what-is-ip-address-168-63-129-16: the platform's "
    "virtual IP (VM agent, DNS, DHCP, load balancer health probes), in every region and cloud"
)
_GCP_METADATA_NAME = (
    "cloud.google.com/compute/docs/storing-retrieving-metadata: query "
    "http://metadata.google.internal/computeMetadata/v1/; the GKE metadata server (Workload "
    "Identity) answers there too"
)
_AZURE_WIRESERVER_PORTS = (
    "learn.microsoft.com/azure/virtual-network/what-is-ip-address-168-63-129-16: the VM agent "
    "talks to it on ports 80 and 32526"
)
_GCP_METADATA_IP = (
    "googleapis/google-cloud-go compute/metadata/metadata.go: metadataIP = 169.254.169.254, "
    "the documented metadata server address, which the client libraries dial by IP"
)

ENDPOINTS: dict[str, tuple[CloudEndpoint, ...]] = {
    "aws": (
        CloudEndpoint(
            "169.254.169.254",
            "EC2 instance metadata (IMDS): instance-role credentials and region for the AWS SDKs",
            "http://169.254.169.254/latest/api/token",
            _AWS_SDK_IMDS,
        ),
        CloudEndpoint(
            "fd00:ec2::254",
            "EC2 instance metadata over IPv6 (AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6)",
            "http://[fd00:ec2::254]/latest/api/token",
            _AWS_SDK_IMDS,
        ),
        CloudEndpoint(
            "169.254.170.23",
            "EKS Pod Identity agent: credentials for pods (AWS_CONTAINER_CREDENTIALS_FULL_URI)",
            "http://169.254.170.23/v1/credentials",
            _AWS_POD_IDENTITY,
        ),
        CloudEndpoint(
            "fd00:ec2::23",
            "EKS Pod Identity agent over IPv6",
            "http://[fd00:ec2::23]/v1/credentials",
            _AWS_POD_IDENTITY,
        ),
    ),
    "azure": (
        CloudEndpoint(
            "169.254.169.254",
            "Azure Instance Metadata Service (IMDS): managed identity tokens for the Azure SDKs",
            "http://169.254.169.254/metadata/identity/oauth2/token",
            _AZURE_IMDS,
        ),
        CloudEndpoint(
            "168.63.129.16",
            "Azure platform address (WireServer): VM agent, DNS, health probes",
            "http://168.63.129.16/",
            f"{_AZURE_WIRESERVER}; {_AZURE_WIRESERVER_PORTS}",
            ports=(80, 32526),
        ),
    ),
    "gcp": (
        CloudEndpoint(
            "169.254.169.254",
            "GCE/GKE metadata server by address: credentials for the Google client libraries",
            "http://169.254.169.254/computeMetadata/v1/",
            _GCP_METADATA_IP,
        ),
        CloudEndpoint(
            "metadata.google.internal",
            "GCE/GKE metadata server by name: credentials for the Google client libraries",
            "http://metadata.google.internal/computeMetadata/v1/",
            _GCP_METADATA_NAME,
            address="169.254.169.254",
        ),
    ),
}


class PolicyOnly(NamedTuple):
    """An address a cloud's pods reach that no NO_PROXY entry names, but a NetworkPolicy must
    allow for an endpoint above to work."""

    cidr: str
    ports: tuple[int, ...]
    what: str
    source: str


# GKE's metadata server (Workload Identity) answers 169.254.169.254:80 from a node agent: with
# Calico enforcing policies the connection is redirected to 169.254.169.252:988 before it is
# judged, with GKE Dataplane V2 it is judged at 169.254.169.254:80.
POLICY_ONLY: dict[str, tuple[PolicyOnly, ...]] = {
    "gcp": (
        PolicyOnly(
            "169.254.169.252/32",
            (988,),
            "GKE metadata server (Workload Identity) behind 169.254.169.254",
            "cloud.google.com/kubernetes-engine/docs/how-to/workload-identity: with network "
            "policy enforcement allow egress to 169.254.169.252/32 port 988 (GKE 1.21.0-gke.1000 "
            "and later), and with Dataplane V2 to 169.254.169.254/32 port 80",
        ),
    ),
}
