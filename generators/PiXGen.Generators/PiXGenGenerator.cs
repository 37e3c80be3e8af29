using Microsoft.CodeAnalysis;
namespace PiXGen.Generators;
[Generator(LanguageNames.CSharp)]
public sealed class PiXGenGenerator : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context) { }
}
