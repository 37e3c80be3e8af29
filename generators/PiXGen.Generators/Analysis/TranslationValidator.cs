using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using PiXGen.Generators.Diagnostics;
using PiXGen.Generators.Model;

namespace PiXGen.Generators.Analysis;

/// <summary>
/// Translation validation of PiX substitution and variants: the network the IR pass computes (<see cref="PiXPass"/>)
/// must be the network the specialised declarations infer to, since those declarations are what the emitted module is
/// built from. Compares node by node: kind, layer, name, state_dict path, role, residual and dense flags, input and
/// output shapes, settings and parameter counts; a layer's op name too. Where the node was declared (Origin), the
/// class that builds it (Class) and a block's class name (a specialised variant is "Block_PiX1") may differ. Any
/// difference is PIX9999 naming the network, the first differing path and both values: never a silently different
/// network.
/// </summary>
public static class TranslationValidator
{
    /// <summary>
    /// The first difference between the pass's IR and the declarations' IR, or null when they agree. A node's identity
    /// (path, name, kind, layer, op, role) is compared before its children, its values (shapes, flags, settings,
    /// parameters) after them, so a difference is named at the innermost node where it arises, not at every container
    /// whose totals it changes.
    /// </summary>
    public static string? FirstDifference(LayerNode expected, LayerNode actual)
    {
        string? Field(string name, object? e, object? a) => Equals(e, a) ? null : Describe(expected, name, e, a);
        var identity =
            Field("path", expected.Path, actual.Path)
            ?? Field("name", expected.Name, actual.Name)
            ?? Field("kind", expected.Kind, actual.Kind)
            // A layer's kind by its name (a defined kind's op: "the pass gives PiX, the declarations give Conv2d").
            ?? (Equals(expected.Layer, actual.Layer) && Equals(LayerName(expected), LayerName(actual)) ? null : Describe(expected, "layer", LayerName(expected), LayerName(actual)))
            ?? (expected.Kind == NodeKind.Block ? null : Field("op", expected.Op, actual.Op))
            ?? Field("role", expected.Role, actual.Role);
        if (identity is not null) return identity;
        // Children in order while their names agree, then the lists themselves (one missing, one extra).
        for (int i = 0; i < System.Math.Min(expected.Children.Count, actual.Children.Count); i++)
        {
            if (expected.Children[i].Name != actual.Children[i].Name) break;
            if (FirstDifference(expected.Children[i], actual.Children[i]) is { } below) return below;
        }
        return Field("children", Names(expected), Names(actual))
            ?? Field("input shape", expected.In, actual.In)
            ?? Field("output shape", expected.Out, actual.Out)
            ?? Field("residual", expected.Residual, actual.Residual)
            ?? Field("dense", expected.Dense, actual.Dense)
            ?? Field("settings", Settings(expected), Settings(actual))
            ?? Field("parameters", expected.Parameters, actual.Parameters);
    }

    /// <summary>PIX9999 when the specialised declarations do not infer to the pass's network; null when they do.</summary>
    public static DiagnosticInfo? Validate(ClassDecl network, LayerNode expected, LayerNode actual)
        => FirstDifference(expected, actual) is { } difference
            ? DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, network.Location, network.Name,
                "translation validation of PiX: the code emitted from the specialised declarations is not the network the PiX pass computed: " + difference)
            : null;

    private static string Describe(LayerNode node, string field, object? expected, object? actual)
        => string.Format(CultureInfo.InvariantCulture, "at '{0}' ({1}): the pass gives {2}, the declarations give {3}",
            node.Path.Length == 0 ? node.Name : node.Path, field, expected ?? "(none)", actual ?? "(none)");

    /// <summary>Settings as "name=value" text sorted by name (one string, so equality is by value).</summary>
    private static string Settings(LayerNode node)
        => "[" + string.Join(", ", node.Settings.OrderBy(s => s.Name, System.StringComparer.Ordinal).Select(s => s.Name + "=" + s.Value)) + "]";

    /// <summary>A layer's kind as its words name it: a defined kind by its op ("Conv2d"), another by its <see cref="LayerKind"/>.</summary>
    private static string? LayerName(LayerNode node) => node.Layer == LayerKind.Defined ? node.Op : node.Layer?.ToString();

    private static string Names(LayerNode node)
        => "[" + string.Join(", ", node.Children.Select(c => c.Name)) + "]";
}
