namespace Causeway.Api.Diagnostics;

/// <summary>
/// Every message Causeway emits. IST codes and levels are Istio's (pkg/config/analysis/msg/messages.yaml), so a user
/// can search for them; CW codes are ours, for loading problems Istio reports through kubectl instead.
/// </summary>
public static class MessageTypes
{
    public static readonly MessageType YamlSyntax = new("CW0001", "YamlSyntaxError", Severity.Error);
    public static readonly MessageType UnreadableInput = new("CW0002", "UnreadableInput", Severity.Error);
    public static readonly MessageType SkippedKind = new("CW0003", "SkippedKind", Severity.Info);
    public static readonly MessageType UnsupportedKind = new("CW0004", "UnsupportedKind", Severity.Warning);
    public static readonly MessageType DuplicateResource = new("CW0005", "DuplicateResource", Severity.Error);

    public static readonly MessageType Deprecated = new("IST0002", "Deprecated", Severity.Warning);
    public static readonly MessageType ReferencedResourceNotFound = new("IST0101", "ReferencedResourceNotFound", Severity.Error);
    public static readonly MessageType SchemaValidationError = new("IST0106", "SchemaValidationError", Severity.Error);
    public static readonly MessageType MisplacedAnnotation = new("IST0107", "MisplacedAnnotation", Severity.Warning);
    public static readonly MessageType UnknownAnnotation = new("IST0108", "UnknownAnnotation", Severity.Warning);
    public static readonly MessageType ConflictingMeshGatewayVirtualServiceHosts = new("IST0109", "ConflictingMeshGatewayVirtualServiceHosts", Severity.Error);
    public static readonly MessageType ConflictingSidecarWorkloadSelectors = new("IST0110", "ConflictingSidecarWorkloadSelectors", Severity.Error);
    public static readonly MessageType MultipleSidecarsWithoutWorkloadSelectors = new("IST0111", "MultipleSidecarsWithoutWorkloadSelectors", Severity.Error);
    public static readonly MessageType VirtualServiceDestinationPortSelectorRequired = new("IST0112", "VirtualServiceDestinationPortSelectorRequired", Severity.Error);
    public static readonly MessageType DeploymentAssociatedToMultipleServices = new("IST0116", "DeploymentAssociatedToMultipleServices", Severity.Warning);
    public static readonly MessageType PortNameIsNotUnderNamingConvention = new("IST0118", "PortNameIsNotUnderNamingConvention", Severity.Info);
    public static readonly MessageType InvalidRegexp = new("IST0122", "InvalidRegexp", Severity.Warning);
    public static readonly MessageType InvalidAnnotation = new("IST0125", "InvalidAnnotation", Severity.Warning);
    public static readonly MessageType NoMatchingWorkloadsFound = new("IST0127", "NoMatchingWorkloadsFound", Severity.Warning);
    public static readonly MessageType NoServerCertificateVerificationDestinationLevel = new("IST0128", "NoServerCertificateVerificationDestinationLevel", Severity.Warning);
    public static readonly MessageType NoServerCertificateVerificationPortLevel = new("IST0129", "NoServerCertificateVerificationPortLevel", Severity.Warning);
    public static readonly MessageType VirtualServiceUnreachableRule = new("IST0130", "VirtualServiceUnreachableRule", Severity.Warning);
    public static readonly MessageType VirtualServiceIneffectiveMatch = new("IST0131", "VirtualServiceIneffectiveMatch", Severity.Info);
    public static readonly MessageType VirtualServiceHostNotFoundInGateway = new("IST0132", "VirtualServiceHostNotFoundInGateway", Severity.Warning);
    public static readonly MessageType SchemaWarning = new("IST0133", "SchemaWarning", Severity.Warning);
    public static readonly MessageType ServiceEntryAddressesRequired = new("IST0134", "ServiceEntryAddressesRequired", Severity.Warning);
    public static readonly MessageType DeprecatedAnnotation = new("IST0135", "DeprecatedAnnotation", Severity.Info);
    public static readonly MessageType AlphaAnnotation = new("IST0136", "AlphaAnnotation", Severity.Info);
    public static readonly MessageType DeploymentConflictingPorts = new("IST0137", "DeploymentConflictingPorts", Severity.Warning);
    public static readonly MessageType GatewayDuplicateCertificate = new("IST0138", "GatewayDuplicateCertificate", Severity.Warning);
    public static readonly MessageType IngressRouteRulesNotAffected = new("IST0140", "IngressRouteRulesNotAffected", Severity.Warning);
    public static readonly MessageType InvalidApplicationUid = new("IST0144", "InvalidApplicationUID", Severity.Warning);
    public static readonly MessageType ConflictingGateways = new("IST0145", "ConflictingGateways", Severity.Error);
    public static readonly MessageType JwtClaimBasedRoutingWithoutRequestAuthN = new("IST0149", "JwtClaimBasedRoutingWithoutRequestAuthN", Severity.Error);
    public static readonly MessageType ExternalNameServiceTypeInvalidPortName = new("IST0150", "ExternalNameServiceTypeInvalidPortName", Severity.Warning);
    public static readonly MessageType InvalidTelemetryProvider = new("IST0157", "InvalidTelemetryProvider", Severity.Warning);
    public static readonly MessageType ConflictingTelemetryWorkloadSelectors = new("IST0159", "ConflictingTelemetryWorkloadSelectors", Severity.Error);
    public static readonly MessageType MultipleTelemetriesWithoutWorkloadSelectors = new("IST0160", "MultipleTelemetriesWithoutWorkloadSelectors", Severity.Error);
    public static readonly MessageType InvalidGatewayCredential = new("IST0161", "InvalidGatewayCredential", Severity.Error);
    public static readonly MessageType GatewayPortNotDefinedOnService = new("IST0162", "GatewayPortNotDefinedOnService", Severity.Warning);
    public static readonly MessageType IneffectivePolicy = new("IST0167", "IneffectivePolicy", Severity.Warning);
    public static readonly MessageType ReferencedInternalGateway = new("IST0165", "ReferencedInternalGateway", Severity.Warning);
    public static readonly MessageType NegativeConditionStatus = new("IST0171", "NegativeConditionStatus", Severity.Warning);
    /// <summary>
    /// Istio's level is Error; ours is Warning, because defining subsets before their pods exist is Istio's own
    /// make-before-break advice (add the subset, deploy, then route to it), and Bookinfo's rules do exactly that.
    /// </summary>
    public static readonly MessageType DestinationRuleSubsetNotSelectPods = new("IST0173", "DestinationRuleSubsetNotSelectPods", Severity.Warning);
    public static readonly MessageType UnknownDestinationRuleHost = new("IST0174", "UnknownDestinationRuleHost", Severity.Warning);
    public static readonly MessageType ConflictingServiceEntryProtocol = new("IST0177", "ConflictingServiceEntryProtocol", Severity.Warning);
}
