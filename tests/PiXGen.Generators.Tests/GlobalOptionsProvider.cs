using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace PiXGen.Generators.Tests;

/// <summary>MSBuild properties as the generator sees them (<c>build_property.Name</c> in the global analyzer config).</summary>
internal sealed class GlobalOptionsProvider : AnalyzerConfigOptionsProvider
{
    private readonly Options _global;
    public GlobalOptionsProvider(IDictionary<string, string> values) => _global = new Options(values);
    public override AnalyzerConfigOptions GlobalOptions => _global;
    public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => Options.Empty;
    public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => Options.Empty;

    private sealed class Options : AnalyzerConfigOptions
    {
        public static readonly Options Empty = new(new Dictionary<string, string>());
        private readonly IDictionary<string, string> _values;
        public Options(IDictionary<string, string> values) => _values = values;
        public override bool TryGetValue(string key, out string value)
        {
            if (_values.TryGetValue(key, out var v)) { value = v; return true; }
            value = null!;
            return false;
        }
    }
}
