using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;

namespace PiXGen.CodeFixes.Tests;

/// <summary>
/// .editorconfig severities (docs/diagnostics.md): <c>dotnet_diagnostic.PIXnnnn.severity</c> changes what the build
/// reports for the generator's diagnostics, errors and the cost line alike.
/// </summary>
public class SeverityTests
{
    private const string Valid = """
        using PiXGen;
        using TorchSharp.Modules;

        [{|#0:Network(Input = "3x8x8")|}]
        public partial class Net
        {
            [Conv2d(4, Kernel = 3, Padding = 1)] readonly Conv2d conv;
        }
        """;

    private const string NotPartial = """
        using PiXGen;
        using TorchSharp.Modules;

        [Network(Input = "3x8x8")]
        public class {|#0:Net|}
        {
            [Conv2d(4, Kernel = 3, Padding = 1)] readonly Conv2d conv;
        }
        """;

    private static Task Run(string source, string editorconfig, params DiagnosticResult[] expected)
    {
        var test = new FixTest { TestCode = source };
        test.TestState.AnalyzerConfigFiles.Add(("/.editorconfig", "root = true\n\n[*.cs]\n" + editorconfig + "\n"));
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }

    [Fact]
    public Task Error_LoweredToWarning() => Run(NotPartial, "dotnet_diagnostic.PIX0001.severity = warning",
        new DiagnosticResult("PIX0001", DiagnosticSeverity.Warning).WithLocation(0).WithArguments("Net"));

    [Fact]
    public Task Error_TurnedOff() => Run(NotPartial, "dotnet_diagnostic.PIX0001.severity = none");

    [Fact]
    public Task Error_WithoutEditorconfig_IsAnError() => Run(NotPartial, "",
        new DiagnosticResult("PIX0001", DiagnosticSeverity.Error).WithLocation(0).WithArguments("Net"));

    [Fact]
    public Task CostLine_RaisedToWarning() => Run(Valid, "dotnet_diagnostic.PIX0200.severity = warning",
        new DiagnosticResult("PIX0200", DiagnosticSeverity.Warning).WithLocation(0).WithOptions(DiagnosticOptions.IgnoreAdditionalLocations));

    [Fact]
    public Task CostLine_RaisedToError() => Run(Valid, "dotnet_diagnostic.PIX0200.severity = error",
        new DiagnosticResult("PIX0200", DiagnosticSeverity.Error).WithLocation(0).WithOptions(DiagnosticOptions.IgnoreAdditionalLocations));
}
