using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using PiXGen.Generators.Definitions;
using PiXGen.Generators.Diagnostics;
using PiXGen.Generators.Model;

namespace PiXGen.Generators.Parsing;

/// <summary>What parsing one class produced: the declaration (null when unusable) and its diagnostics.</summary>
public sealed record ParseResult(ClassDecl? Decl, EquatableArray<DiagnosticInfo> Diagnostics, string TypeName);

/// <summary>Stage 1: Roslyn symbols of a [Network]/[Block] class → <see cref="ClassDecl"/>.</summary>
public static class DeclarationParser
{
    public const string Namespace = "PiXGen";
    public const string NetworkAttribute = "PiXGen.NetworkAttribute";
    public const string BlockAttribute = "PiXGen.BlockAttribute";

    private static readonly Dictionary<string, LayerKind> LayerKinds = new()
    {
        ["UseAttribute"] = LayerKind.Use,
    };

    public static ParseResult Parse(GeneratorAttributeSyntaxContext context, ClassKind kind, CancellationToken ct)
    {
        var symbol = (INamedTypeSymbol)context.TargetSymbol;
        var diagnostics = new List<DiagnosticInfo>();
        var typeName = symbol.ToDisplayString();
        try
        {
            var decl = ParseClass(symbol, context.TargetNode, context.Attributes[0], kind, diagnostics, ct);
            return new ParseResult(decl, diagnostics.ToEquatableArray(), typeName);
        }
        catch (System.OperationCanceledException) { throw; }
        catch (System.Exception ex)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InternalError,
                LocationInfo.From(symbol.Locations.FirstOrDefault()), typeName, ex.GetType().Name + ": " + ex.Message));
            return new ParseResult(null, diagnostics.ToEquatableArray(), typeName);
        }
    }

    private static ClassDecl? ParseClass(INamedTypeSymbol symbol, SyntaxNode node, AttributeData classAttribute, ClassKind kind,
        List<DiagnosticInfo> diagnostics, CancellationToken ct)
    {
        var location = LocationInfo.From(symbol.Locations.FirstOrDefault());
        var attributeLocation = LocationInfo.From(classAttribute.ApplicationSyntaxReference?.GetSyntax(ct)) ?? location;
        var typeName = symbol.Name;

        bool partial = symbol.DeclaringSyntaxReferences.All(r =>
            r.GetSyntax(ct) is ClassDeclarationSyntax c && c.Modifiers.Any(SyntaxKind.PartialKeyword));
        if (!partial)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NotPartial, location, typeName));
            return null;
        }
        if (symbol.ContainingType is not null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedDeclaration, location, typeName,
                "network and block classes cannot be nested in another type"));
            return null;
        }
        if (symbol.IsGenericType)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedDeclaration, location, typeName,
                "network and block classes cannot be generic"));
            return null;
        }
        if (symbol.IsStatic || symbol.IsAbstract)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedDeclaration, location, typeName,
                "network and block classes must be concrete, non-static classes"));
            return null;
        }
        if (symbol.BaseType is { SpecialType: not SpecialType.System_Object } baseType
            && !baseType.ToDisplayString().StartsWith("TorchSharp.torch.nn.Module<", System.StringComparison.Ordinal))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedDeclaration, location, typeName,
                $"it derives from {baseType.ToDisplayString()}; PiXGen makes it a Module<Tensor, Tensor>, so leave the base class out"));
            return null;
        }
        bool isNetworkAndBlock = symbol.GetAttributes().Count(a => IsPiXGen(a, "NetworkAttribute") || IsPiXGen(a, "BlockAttribute")) > 1;
        if (isNetworkAndBlock && kind == ClassKind.Block)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedDeclaration, location, typeName,
                "a class is either a [Network] or a [Block], not both"));
            return null;
        }

        string? input = null;
        string catalogName = typeName;
        BudgetDecl? maxParameters = null, maxMacs = null;
        string? like = null;
        WithDecl? with = null;
        if (kind == ClassKind.Network)
        {
            foreach (var na in classAttribute.NamedArguments)
            {
                if (na.Key == "With" && na.Value.Value is string withText)
                    with = new WithDecl(withText, NamedArgumentLocation(classAttribute, "With", ct) ?? attributeLocation);
                if (na.Key == "Input") input = na.Value.Value as string;
                if (na.Key == "Name" && na.Value.Value is string n && n.Length > 0) catalogName = n;
                if (na.Key == "Like" && na.Value.Value is INamedTypeSymbol likeType) like = likeType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
                if (na.Key is "MaxParameters" or "MaxMacs" && !na.Value.IsNull && ConstantText(na.Value) is { } budget)
                {
                    var decl = new BudgetDecl(budget, NamedArgumentLocation(classAttribute, na.Key, ct) ?? attributeLocation);
                    if (na.Key == "MaxParameters") maxParameters = decl; else maxMacs = decl;
                }
            }
        }

        PiXSubstitutionDecl? substitution = null;
        foreach (var a in symbol.GetAttributes())
        {
            if (!IsPiXGen(a, "SubstitutePiXAttribute")) continue;
            EquatableArray<string> Names(string key)
            {
                foreach (var na in a.NamedArguments)
                    if (na.Key == key && na.Value.Kind == TypedConstantKind.Array && !na.Value.IsNull)
                        return na.Value.Values.Select(v => v.Value as string).Where(v => !string.IsNullOrWhiteSpace(v)).Select(v => v!.Trim()).ToEquatableArray();
                return EquatableArray<string>.Empty;
            }
            substitution = new PiXSubstitutionDecl(Names("Include"), Names("Exclude"), PiXOptions(a),
                LocationInfo.From(a.ApplicationSyntaxReference?.GetSyntax(ct)) ?? location);
        }

        VariantsDecl? variants = null;
        foreach (var a in symbol.GetAttributes())
        {
            if (!IsPiXGen(a, "VariantsAttribute")) continue;
            variants = new VariantsDecl(Named(a, "Pin") as string, Named(a, "Zeta") is int z ? z : 0, Named(a, "Target") as string,
                LocationInfo.From(a.ApplicationSyntaxReference?.GetSyntax(ct)) ?? location);
        }

        LocationInfo? dense = null;
        foreach (var a in symbol.GetAttributes())
            if (IsPiXGen(a, "DenseAttribute")) dense = LocationInfo.From(a.ApplicationSyntaxReference?.GetSyntax(ct)) ?? location;

        bool hasResidual = false;
        string? residualWhen = null;
        foreach (var a in symbol.GetAttributes())
        {
            if (!IsPiXGen(a, "ResidualAttribute")) continue;
            hasResidual = true;
            residualWhen = Named(a, "When") as string;
        }

        var args = new List<ArgDecl>();
        var lets = new List<LetDecl>();
        var members = new List<LayerMember>();
        var unattributed = new List<(string Name, string Type, LocationInfo? Location)>();
        foreach (var member in symbol.GetMembers())
        {
            ct.ThrowIfCancellationRequested();
            if (member is not IFieldSymbol field || field.IsImplicitlyDeclared) continue;
            var attributes = field.GetAttributes().Where(a => a.AttributeClass?.ContainingNamespace?.ToDisplayString() == Namespace).ToList();
            if (attributes.Count == 0)
            {
                // A module the declaration does not describe: it would be registered, run and trained, but not accounted for.
                if (!field.IsStatic && (IsModule(field.Type) || IsTensor(field.Type)))
                    unattributed.Add((field.Name, field.Type.ToDisplayString(), LocationInfo.From(field.Locations.FirstOrDefault())));
                continue;
            }
            var fieldLocation = LocationInfo.From(field.Locations.FirstOrDefault());
            var fieldType = field.Type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);

            var argAttr = attributes.FirstOrDefault(a => a.AttributeClass!.Name == "ArgAttribute");
            var letAttr = attributes.FirstOrDefault(a => a.AttributeClass!.Name == "LetAttribute");
            if (argAttr is not null || letAttr is not null)
            {
                string? typeKeyword = field.Type.SpecialType switch
                {
                    SpecialType.System_Int32 => "int",
                    SpecialType.System_Int64 => "long",
                    SpecialType.System_Boolean => "bool",
                    SpecialType.System_Double => "double",
                    _ => field.Type is IArrayTypeSymbol { Rank: 1, ElementType.SpecialType: SpecialType.System_Int32 } ? Expr.ListType : null,
                };
                if (typeKeyword is null)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidArg, fieldLocation, field.Name,
                        $"[Arg] and [Let] fields must be int, long, double, bool or int[], not {field.Type.ToDisplayString()}"));
                    continue;
                }
                if (field.IsStatic || field.IsConst)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidArg, fieldLocation, field.Name,
                        "[Arg] and [Let] fields must be instance fields"));
                    continue;
                }
                if (argAttr is not null)
                {
                    var given = argAttr.ConstructorArguments.Length == 1 ? argAttr.ConstructorArguments[0] : default;
                    string? def;
                    // An int[] argument's default may be an array constant: [Arg(new[] { 6, 12, 24, 16 })] reads as [6, 12, 24, 16].
                    if (typeKeyword == Expr.ListType && given.Kind == TypedConstantKind.Array && !given.IsNull)
                        def = "[" + string.Join(", ", given.Values.Select(v => ConstantText(v))) + "]";
                    else
                    {
                        if (argAttr.ConstructorArguments.Length == 1 && !IsScalar(given, field.Name, fieldLocation, diagnostics)) continue;
                        def = argAttr.ConstructorArguments.Length == 1 ? ConstantText(given) : null;
                    }
                    args.Add(new ArgDecl(field.Name, typeKeyword, def, fieldLocation));
                }
                else
                {
                    var exprText = letAttr!.ConstructorArguments.Length == 1 ? letAttr.ConstructorArguments[0].Value as string : null;
                    lets.Add(new LetDecl(field.Name, typeKeyword, exprText ?? "", fieldLocation));
                }
                continue;
            }

            bool isShortcut = false;
            string? initScheme = null;
            PiXMark? pixMark = null;
            bool noVariant = false;
            BranchDecl? branch = null;
            string? shortcutWhen = null;
            var items = new List<LayerItem>();
            foreach (var a in attributes)
            {
                var name = a.AttributeClass!.Name;
                if (name == "ShortcutAttribute") { isShortcut = true; shortcutWhen = Named(a, "When") as string; continue; }
                if (name == "NoVariantAttribute") { noVariant = true; continue; }
                if (name == "InitAttribute")
                {
                    initScheme = a.ConstructorArguments.Length == 1 ? a.ConstructorArguments[0].Value as string : null;
                    CheckInitScheme(initScheme, field.Name, LocationInfo.From(a.ApplicationSyntaxReference?.GetSyntax(ct)) ?? fieldLocation, diagnostics);
                    continue;
                }
                if (name == "BranchAttribute")
                {
                    branch = new BranchDecl(a.ConstructorArguments.Length == 1 ? a.ConstructorArguments[0].Value as string ?? "" : "",
                        Named(a, "Merge") as string ?? "concat", Named(a, "Split") is true,
                        LocationInfo.From(a.ApplicationSyntaxReference?.GetSyntax(ct)) ?? fieldLocation);
                    continue;
                }
                if (name == "PiXSqueezeAttribute")
                {
                    var zeta = Named(a, "Zeta") is { } z ? ConstantTextOf(z) : null;
                    pixMark = new PiXMark(zeta, PiXOptions(a), LocationInfo.From(a.ApplicationSyntaxReference?.GetSyntax(ct)) ?? fieldLocation);
                    continue;
                }
                if (!LayerKinds.TryGetValue(name, out var layerKind))
                {
                    // A kind defined only by its shared definition (and its attribute class).
                    if (!name.EndsWith("Attribute", System.StringComparison.Ordinal)
                        || !DefinedKind.All.ContainsKey(name.Substring(0, name.Length - "Attribute".Length))) continue;
                    layerKind = LayerKind.Defined;
                }
                items.Add(ParseItem(a, layerKind, diagnostics, ct));
            }
            if (items.Count == 0)
            {
                if (isShortcut || branch is not null)
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidMember, fieldLocation, field.Name,
                        $"is marked {(isShortcut ? "[Shortcut]" : "[Branch]")} but has no layer attributes"));
                continue;
            }
            if (field.IsStatic || field.IsConst)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidMember, fieldLocation, field.Name,
                    "must be an instance field"));
                continue;
            }
            var pyName = field.GetAttributes().Where(a => a.AttributeClass?.ToDisplayString() == "TorchSharp.Utils.ComponentNameAttribute")
                .Select(a => Named(a, "Name") as string).FirstOrDefault(n => !string.IsNullOrEmpty(n)) ?? field.Name;
            members.Add(new LayerMember(field.Name, pyName, fieldType, field.NullableAnnotation == NullableAnnotation.Annotated,
                field.IsReadOnly, items.ToEquatableArray(), isShortcut, shortcutWhen, fieldLocation, pixMark, noVariant, InitScheme: initScheme, Branch: branch));
        }

        bool userForward = symbol.GetMembers("forward").OfType<IMethodSymbol>().Any(m => m.Parameters.Length == 1 && !m.IsImplicitlyDeclared);
        bool userDispose = symbol.GetMembers("Dispose").OfType<IMethodSymbol>().Any(m => m.Parameters.Length == 1 && !m.IsImplicitlyDeclared);
        if (userForward)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UserForward, location, typeName));
        foreach (var (name, type, fieldLoc) in unattributed)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnattributedModule, fieldLoc, name, type, typeName));
        OutputDecl? output = null;
        foreach (var a in symbol.GetAttributes())
        {
            if (!IsPiXGen(a, "OutputAttribute") || a.ConstructorArguments.Length != 1) continue;
            var channels = ConstantText(a.ConstructorArguments[0]);
            if (channels is null) continue;
            output = new OutputDecl(channels, Named(a, "Stride") is int st ? st : 1, LocationInfo.From(a.ApplicationSyntaxReference?.GetSyntax(ct)) ?? location);
        }
        InitDecl? init = null;
        foreach (var a in symbol.GetAttributes())
        {
            if (!IsPiXGen(a, "InitAttribute")) continue;
            var scheme = a.ConstructorArguments.Length == 1 ? a.ConstructorArguments[0].Value as string : null;
            var initLocation = LocationInfo.From(a.ApplicationSyntaxReference?.GetSyntax(ct)) ?? location;
            if (!CheckInitScheme(scheme, typeName, initLocation, diagnostics)) continue;
            bool hasSeed = a.NamedArguments.Any(na => na.Key == "Seed");
            init = new InitDecl(scheme!, Named(a, "ZeroInitResidual") is true, hasSeed && Named(a, "Seed") is long seed ? seed : null, initLocation);
        }
        if (!userForward && output is not null)
        {
            var last = members.Where(m => !m.IsShortcut).Select(m => m.Items[m.Items.Count - 1]).LastOrDefault();
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.OutputWithoutForward, output.Location, typeName,
                last is null ? "its input" : $"after {last.AttributeName}"));
        }
        if (userForward && output is null && members.Count > 0)
        {
            var last = members.Where(m => !m.IsShortcut).Select(m => m.Items[m.Items.Count - 1]).LastOrDefault();
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UndeclaredForwardOutput, location, typeName,
                last is null ? "its input" : $"{last.AttributeName}"));
        }

        var ns = symbol.ContainingNamespace is { IsGlobalNamespace: false } n2 ? n2.ToDisplayString() : "";
        var accessibility = symbol.DeclaredAccessibility == Accessibility.Public ? "public" : "internal";
        return new ClassDecl(kind, ns, typeName, symbol.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat), accessibility,
            input, catalogName, hasResidual, residualWhen, args.ToEquatableArray(), lets.ToEquatableArray(),
            members.ToEquatableArray(), userForward, userDispose, location, attributeLocation, maxParameters, maxMacs, substitution, Variants: variants, Like: like,
            Output: userForward ? output : null, Init: init,
            Dense: dense, With: with);
    }

    /// <summary>The value expression of the named argument <paramref name="name"/> of an attribute application.</summary>
    private static LocationInfo? NamedArgumentLocation(AttributeData a, string name, CancellationToken ct)
    {
        if (a.ApplicationSyntaxReference?.GetSyntax(ct) is not AttributeSyntax syntax || syntax.ArgumentList is null) return null;
        foreach (var arg in syntax.ArgumentList.Arguments)
            if (arg.NameEquals?.Name.Identifier.ValueText == name) return LocationInfo.From(arg.Expression);
        return null;
    }

    private static LayerItem ParseItem(AttributeData a, LayerKind kind, List<DiagnosticInfo> diagnostics, CancellationToken ct)
    {
        var location = LocationInfo.From(a.ApplicationSyntaxReference?.GetSyntax(ct));
        var settings = new List<Setting>();
        string? blockType = null, blockArgs = null, when = null;
        bool afterAdd = false;
        var ctorParams = a.AttributeConstructor?.Parameters ?? ImmutableArrayOfNone;
        for (int i = 0; i < a.ConstructorArguments.Length && i < ctorParams.Length; i++)
        {
            var pname = Capitalize(ctorParams[i].Name);
            var value = a.ConstructorArguments[i];
            if (kind == LayerKind.Use && pname == "Block")
            {
                if (value.Value is INamedTypeSymbol blockSymbol)
                {
                    blockType = blockSymbol.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
                    if (!blockSymbol.GetAttributes().Any(x => IsPiXGen(x, "BlockAttribute")))
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NotABlock, location, "[Use]", blockSymbol.ToDisplayString()));
                }
                continue;
            }
            if (kind == LayerKind.Use && pname == "Args") { blockArgs = value.Value as string ?? ""; continue; }
            if (value.Kind == TypedConstantKind.Array) { AddPair(settings, pname, value, location, diagnostics); continue; }
            AddSetting(settings, pname, value, ctorParams[i].Type.SpecialType == SpecialType.System_String);
        }
        foreach (var na in a.NamedArguments)
        {
            if (na.Key == "When") { when = na.Value.Value as string; continue; }
            if (na.Key == "AfterAdd") { afterAdd = na.Value.Value is true; continue; }
            if (na.Value.Kind == TypedConstantKind.Array) { AddPair(settings, na.Key, na.Value, location, diagnostics); continue; }
            bool text = a.AttributeClass!.GetMembers(na.Key).OfType<IPropertySymbol>().Any(p => p.Type.SpecialType == SpecialType.System_String);
            AddSetting(settings, na.Key, na.Value, text);
        }
        var attrName = a.AttributeClass!.Name;
        if (attrName.EndsWith("Attribute", System.StringComparison.Ordinal)) attrName = attrName.Substring(0, attrName.Length - "Attribute".Length);
        return new LayerItem(kind, attrName, settings.ToEquatableArray(), when, afterAdd, blockType, blockArgs, location);
    }

    private static readonly System.Collections.Immutable.ImmutableArray<IParameterSymbol> ImmutableArrayOfNone =
        System.Collections.Immutable.ImmutableArray<IParameterSymbol>.Empty;

    /// <summary>[Arg] defaults are single values; an array is reported, not read.</summary>
    private static bool IsScalar(TypedConstant value, string name, LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        if (value.Kind != TypedConstantKind.Array) return true;
        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.BadExpression, location, name,
            "arrays are not supported here; give one integer, bool or expression string"));
        return false;
    }

    /// <param name="text">The setting is declared as a string that names a choice (Mode = "bilinear"), not an expression.</param>
    /// <summary>
    /// A per-axis setting written as an array of two values, height then width (<c>Kernel = new[] { 1, 7 }</c>, or
    /// <c>new object[] { 1, "k" }</c> with expressions), becomes a <see cref="SettingType.Pair"/>; other arrays are reported.
    /// </summary>
    private static void AddPair(List<Setting> settings, string name, TypedConstant value, LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        if (value.IsNull) return;
        var sides = value.Values.Select(v => v.Kind == TypedConstantKind.Array ? null : ConstantText(v)).ToList();
        if (sides.Count != 2 || sides.Any(t => t is null || t.IndexOf(Setting.PairSeparator) >= 0))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.BadExpression, location, name,
                $"give one integer or expression, or two (height and width, e.g. new[] {{ 1, 7 }} or \"1x7\"); got an array of {sides.Count}"));
            return;
        }
        settings.Add(new Setting(name, Setting.PairText(sides[0]!.Trim(), sides[1]!.Trim()), SettingType.Pair));
    }

    /// <summary>
    /// "HxW" (also "H x W", "H×W"): two integer expressions for height and width, when the whole text is not itself an
    /// expression; null otherwise. A side that is a name needs spaces around the x ("k x 1"), since "kx1" is one name.
    /// </summary>
    internal static string? SplitPair(string text)
    {
        try { Expr.Parse(text); return null; }
        catch (ExprException) { }
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] is not ('x' or 'X' or Setting.PairSeparator)) continue;
            string height = text.Substring(0, i).Trim(), width = text.Substring(i + 1).Trim();
            if (height.Length == 0 || width.Length == 0) continue;
            try { Expr.Parse(height); Expr.Parse(width); }
            catch (ExprException) { continue; }
            return Setting.PairText(height, width);
        }
        return null;
    }

    private static void AddSetting(List<Setting> settings, string name, TypedConstant value, bool choice)
    {
        if (value.IsNull || value.Kind == TypedConstantKind.Error) return;
        if (choice && value.Value is string word) { settings.Add(new Setting(name, word, SettingType.Text)); return; }
        switch (value.Value)
        {
            case bool b: settings.Add(new Setting(name, b ? "true" : "false", SettingType.Bool)); break;
            case double d: settings.Add(new Setting(name, d.ToString("R", CultureInfo.InvariantCulture), SettingType.Double)); break;
            case float f: settings.Add(new Setting(name, ((double)f).ToString("R", CultureInfo.InvariantCulture), SettingType.Double)); break;
            default:
                var text = ConstantText(value);
                if (text is not null && value.Value is string && SplitPair(text) is { } pair) settings.Add(new Setting(name, pair, SettingType.Pair));
                else if (text is not null) settings.Add(new Setting(name, text, SettingType.Expression));
                break;
        }
    }

    /// <summary>An int/long/string/bool constant as expression text.</summary>
    private static string? ConstantText(TypedConstant value) => value.Value switch
    {
        null => null,
        string s => s,
        bool b => b ? "true" : "false",
        int i => i.ToString(CultureInfo.InvariantCulture),
        long l => l.ToString(CultureInfo.InvariantCulture),
        short s16 => s16.ToString(CultureInfo.InvariantCulture),
        byte u8 => u8.ToString(CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        _ => value.Value.ToString(),
    };

    private static PiXOptionsDecl PiXOptions(AttributeData a)
    {
        string tau = "0.5"; int mode = 0, context = 0; bool phiBias = false, following = true;
        foreach (var na in a.NamedArguments)
        {
            switch (na.Key)
            {
                case "Tau" when na.Value.Value is double d: tau = d.ToString("R", CultureInfo.InvariantCulture); break;
                case "Mode" when na.Value.Value is int m: mode = m; break;
                case "Context" when na.Value.Value is int c: context = c; break;
                case "PhiBias" when na.Value.Value is bool b: phiBias = b; break;
                case "WithNormAndActivation" when na.Value.Value is bool f: following = f; break;
            }
        }
        return new PiXOptionsDecl(tau, mode, context, phiBias, following);
    }

    private static string? ConstantTextOf(object value) => value switch
    {
        string s => s,
        int i => i.ToString(CultureInfo.InvariantCulture),
        long l => l.ToString(CultureInfo.InvariantCulture),
        _ => null,
    };

    private static object? Named(AttributeData a, string name)
    {
        foreach (var na in a.NamedArguments) if (na.Key == name) return na.Value.Value;
        return null;
    }

    /// <summary>Reports PIX0018 (with the closest known name) unless <paramref name="scheme"/> is a known initialisation scheme.</summary>
    private static bool CheckInitScheme(string? scheme, string where, LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        if (scheme is not null && InitDecl.Schemes.Contains(scheme)) return true;
        var closest = scheme is null ? null : Suggest.Closest(scheme, InitDecl.Schemes);
        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnknownInitScheme, location, where, scheme ?? "(null)",
            closest is null ? "" : $" (did you mean '{closest}'?)", string.Join(", ", InitDecl.Schemes))
            .WithWordReplacement(null, scheme, closest));
        return false;
    }

    /// <summary>Whether <paramref name="type"/> is a TorchSharp module (derives from torch.nn.Module).</summary>
    private static bool IsModule(ITypeSymbol type)
    {
        for (var t = type as INamedTypeSymbol; t is not null; t = t.BaseType)
            if (t.ContainingNamespace?.ToDisplayString() == "TorchSharp" && t.ContainingType?.Name == "nn" && t.Name == "Module") return true;
        return false;
    }

    /// <summary>A TorchSharp tensor (a <c>Parameter</c> is one): RegisterComponents registers such a field as a parameter or buffer.</summary>
    private static bool IsTensor(ITypeSymbol type)
    {
        for (var t = type as INamedTypeSymbol; t is not null; t = t.BaseType)
            if (t.ContainingNamespace?.ToDisplayString() == "TorchSharp" && t.ContainingType?.Name == "torch" && t.Name == "Tensor") return true;
        return false;
    }

    private static bool IsPiXGen(AttributeData a, string name)
        => a.AttributeClass?.Name == name && a.AttributeClass.ContainingNamespace?.ToDisplayString() == Namespace;

    private static string Capitalize(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s.Substring(1);
}
