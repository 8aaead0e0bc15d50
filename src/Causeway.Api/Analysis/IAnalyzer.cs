namespace Causeway.Api.Analysis;

/// <summary>One cross-resource check. Analyzers read the indexed resources and report through the context.</summary>
internal interface IAnalyzer
{
    /// <summary>Istio's name for the analyzer this one mirrors (e.g. <c>virtualservice.GatewayAnalyzer</c>), for tests and docs.</summary>
    string Name { get; }

    /// <summary>The message types this analyzer can report.</summary>
    IReadOnlyList<Diagnostics.MessageType> Reports { get; }

    void Analyze(AnalysisContext ctx);
}
