"""The saved cluster objects `xpnet discover` reads: what each gives and the command that saves
it (data only, for discover's messages, its --help and the list in docs/how-to/discover.md, which
a test keeps equal)."""

from __future__ import annotations

# Where to get each value: the commands to save, for messages, docs/how-to/discover.md and --help.
SAVE = {
    "nodes": "kubectl get nodes -o yaml > nodes.yaml",
    "servicecidrs": "kubectl get servicecidrs -o yaml > servicecidrs.yaml",
    "kubernetes": "kubectl -n default get service kubernetes -o yaml > kubernetes-service.yaml",
    "kube-proxy": "kubectl -n kube-system get configmap kube-proxy -o yaml > kube-proxy.yaml",
    "kubeadm": "kubectl -n kube-system get configmap kubeadm-config -o yaml > kubeadm-config.yaml",
    "kubelet": "kubectl -n kube-system get configmap kubelet-config -o yaml > kubelet-config.yaml",
    "control-plane": (
        "kubectl -n kube-system get pods -l tier=control-plane -o yaml > control-plane.yaml"
    ),
    "crossplane": "kubectl -n crossplane-system get deployments -o yaml > crossplane.yaml",
    "openshift": (
        "kubectl get network.config.openshift.io/cluster proxy.config.openshift.io/cluster "
        "-o yaml > openshift.yaml"
    ),
    "k3s": "ssh SERVER sudo cat /etc/rancher/k3s/config.yaml > k3s-config.yaml",
    "eks": "aws eks describe-cluster --name CLUSTER --output json > eks.json",
    "vpc": "aws ec2 describe-vpcs --vpc-ids VPC_ID --output json > vpc.json",
    "aks": "az aks show --resource-group GROUP --name CLUSTER --output json > aks.json",
    "gke": (
        "gcloud container clusters describe CLUSTER --location LOCATION --format json > gke.json"
    ),
}
# What each saved source gives (xpnet discover --help and docs/how-to/discover.md say the same).
SOURCES = (
    ("nodes", "pod CIDRs (spec.podCIDRs, each node's share) and node CIDRs (InternalIPs)"),
    ("servicecidrs", "service CIDRs (ServiceCIDR spec.cidrs, Kubernetes 1.33+)"),
    ("kubernetes", "service CIDRs guessed from the kubernetes Service's ClusterIP"),
    ("kube-proxy", "the pod network (KubeProxyConfiguration clusterCIDR)"),
    ("kubeadm", "pod and service CIDRs, cluster domain (ClusterConfiguration networking)"),
    ("kubelet", "cluster domain (KubeletConfiguration clusterDomain)"),
    ("control-plane", "service and pod CIDRs (kube-apiserver, kube-controller-manager flags)"),
    (
        "crossplane",
        "Crossplane's namespace and version, the proxy URLs, NO_PROXY entries and CA bundle (or "
        "give the rendered chart, a HelmRelease or an Application)",
    ),
    ("openshift", "OpenShift: pod and service networks, proxy URLs, status.noProxy"),
    ("k3s", "k3s/RKE2 (/etc/rancher/rke2/config.yaml): cluster-cidr, service-cidr, cluster-domain"),
    ("eks", "EKS: service CIDRs (kubernetesNetworkConfig), cloud: aws"),
    ("vpc", "EKS with the VPC CNI: pod and node CIDRs (the VPC's CIDR blocks)"),
    ("aks", "AKS: pod and service CIDRs (networkProfile), cloud: azure"),
    (
        "gke",
        "GKE: pod and service CIDRs (clusterIpv4Cidr, servicesIpv4Cidr, ipAllocationPolicy), "
        "cloud: gcp",
    ),
)


def help_text() -> str:
    """The sources and the commands that save them, for `xpnet discover --help`."""
    lines = ["sources (save any of them; discover never connects anywhere):"]
    for key, what in SOURCES:
        lines += [f"  {what}:", f"    {SAVE[key]}"]
    return "\n".join(lines)
