namespace PiXGen.Generators.Model;

/// <summary>The cost-related MSBuild properties (<c>build_property.PiXGen*</c>), as written; null when unset.</summary>
public sealed record CostOptions(string? Severity, string? MaxParameters, string? MaxMacs)
{
    public static readonly CostOptions Default = new(null, null, null);
}

/// <summary>One layer's share of a cost, for the "costliest layers" of a budget error.</summary>
public sealed record CostFigure(string Path, string Type, long Value);

/// <summary>
/// What the cost diagnostics of one network need (Analysis/CostModel totals, its budgets, where to report):
/// plain values, so the step that combines it with the build options caches.
/// </summary>
public sealed record CostSummary(
    string Network,
    LocationInfo? Location,
    Shape Input,
    Shape Output,
    long Parameters,
    long Buffers,
    long Macs,
    long MacsPaper,
    long ActivationBytes,
    long PeakActivationBytes,
    EquatableArray<CostFigure> CostliestByMacs,
    EquatableArray<CostFigure> CostliestByParameters,
    BudgetDecl? MaxParameters,
    BudgetDecl? MaxMacs,
    /// <summary>" · vs dense: ..." for PiX networks (the change against the dense network they derive from), else "".</summary>
    string DenseDelta = "");
