namespace Causeway.Protocol.Grpc;

/// <summary>The HTTP/2 side of gRPC that both ends need: the method path, headers and status codes.</summary>
public static class GrpcProtocol
{
    /// <summary>POST path of the push stream: /package.Service/Method.</summary>
    public const string StreamPath = "/causeway.v1.ProxyConfig/Stream";

    public const string ContentType = "application/grpc";

    /// <summary>Whether a request's content type says gRPC (application/grpc, +proto, +json, ...).</summary>
    public static bool IsGrpc(string? contentType) => contentType is not null && contentType.StartsWith(ContentType, StringComparison.Ordinal);

    public const int StatusOk = 0;

    public const int StatusPermissionDenied = 7;

    public const int StatusUnimplemented = 12;

    public const int StatusInternal = 13;

    public const int StatusUnavailable = 14;

    public const int StatusUnauthenticated = 16;
}
