//! The text `kubepatch --help` prints after the flags: examples and the exit
//! codes (README, "CLI").

/// Examples, one per strategy and for the cases users ask about, then the
/// output and exit-code contract.
pub const AFTER_LONG_HELP: &str = "\
Examples:
  # Strategic merge (the default type): add an address to an Endpoints object
  kubepatch -f endpoints.json --patch-file add-address.json

  # JSON merge patch, written as YAML (every -p and --patch-file takes JSON or YAML)
  kubepatch -f pod.yaml --type merge -p $'metadata:\\n  labels:\\n    tier: db' -o yaml

  # JSON patch; a YAML list starting with '-' is a patch, not a flag
  kubepatch -f pod.yaml --type json -p '- {op: add, path: /metadata/annotations, value: {a: b}}'

  # Server-side apply: create an object (no -f), owned by the manager ctrl-a
  kubepatch --type apply --field-manager ctrl-a --patch-file config.yaml > live.json

  # Apply by another manager that sets a field ctrl-a owns: exit 1, a 409 Conflict
  # naming the field and its manager; --force-conflicts takes the field over
  kubepatch -f live.json --type apply --field-manager ctrl-b --patch-file other.yaml
  kubepatch -f live.json --type apply --field-manager ctrl-b --patch-file other.yaml --force-conflicts

  # Merge rules of a live cluster: its OpenAPI document
  kubectl get --raw /openapi/v2 > swagger.json
  kubepatch -f deployment.yaml --schema swagger.json -p '{\"spec\":{\"replicas\":3}}'

  # A custom resource: its CRD as the schema (custom resources take no strategic
  # merge, so use --type merge, json or apply)
  kubectl get crd widgets.example.com -o yaml > crd.yaml
  kubepatch -f widget.yaml --schema crd.yaml --type merge -p 'spec: {size: 2}'

Output and exit codes:
  0  success: the new object on stdout (JSON, 4-space indent, or YAML with -o yaml);
     warnings on stderr as `Warning: ...`
  1  the patch failed: the metav1.Status as JSON on stdout, `error: <message>` on stderr
     (after an apply conflict, kubectl's hint to re-run with --force-conflicts)
  2  usage error (bad flags, unreadable file, bad --now): nothing on stdout, the problem on stderr
";
