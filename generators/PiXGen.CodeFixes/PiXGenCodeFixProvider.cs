using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Simplification;
using Microsoft.CodeAnalysis.Text;
using PiXGen.Generators.Diagnostics;
using PiXGen.Generators.Parsing;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace PiXGen.CodeFixes;

/// <summary>
/// The light bulbs for PiXGen's diagnostics whose message names a mechanical fix. What a fix writes comes from the
/// diagnostic's properties (<see cref="FixProperties"/>, set by the generator where it computed the suggestion), or,
/// for PIX0001 and PIX0007, from the syntax and the compilation. docs/diagnostics.md lists which IDs have a fix.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(PiXGenCodeFixProvider)), Shared]
public sealed class PiXGenCodeFixProvider : CodeFixProvider
{
    public const string NotPartial = "PIX0001", BadExpression = "PIX0003", UnknownParameter = "PIX0005", FieldTypeMismatch = "PIX0006",
        NotABlock = "PIX0007", UnknownInitScheme = "PIX0018", ResidualShapeMismatch = "PIX0100", RankMismatch = "PIX0105",
        InvalidValue = "PIX0106", PiXFieldType = "PIX0303",
        // The C# compiler's "type not found": in [Use(typeof(X))] the nearest [Block] is meant.
        TypeNotFound = "CS0246";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(
        NotPartial, BadExpression, UnknownParameter, FieldTypeMismatch, NotABlock, UnknownInitScheme, ResidualShapeMismatch,
        RankMismatch, InvalidValue, PiXFieldType, TypeNotFound);

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null) return;
        foreach (var diagnostic in context.Diagnostics)
        {
            if (!diagnostic.Location.IsInSource) continue;
            var node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
            var p = diagnostic.Properties;
            p.TryGetValue(FixProperties.Kind, out var kind);
            p.TryGetValue(FixProperties.Written, out var written);
            p.TryGetValue(FixProperties.Suggestion, out var suggestion);
            p.TryGetValue(FixProperties.Setting, out var setting);

            if (diagnostic.Id == NotPartial && node.FirstAncestorOrSelf<ClassDeclarationSyntax>() is { } cls)
                Register(context, diagnostic, $"Make '{cls.Identifier.Text}' partial", "PiXGen.MakePartial",
                    ct => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(cls, MakePartial(cls)))));
            else if ((diagnostic.Id == NotABlock || diagnostic.Id == TypeNotFound && node.FirstAncestorOrSelf<TypeOfExpressionSyntax>() is not null)
                     && node.FirstAncestorOrSelf<AttributeSyntax>() is { } use && (diagnostic.Id == NotABlock || IsUse(use)))
                await RegisterNearestBlockAsync(context, diagnostic, root, use).ConfigureAwait(false);
            else if (kind == FixProperties.KindRenameIdentifier && written is not null && suggestion is not null
                     && Container(node) is { } renameIn)
                Register(context, diagnostic, $"Change '{written}' to '{suggestion}'", "PiXGen.Rename." + suggestion,
                    ct => Task.FromResult(context.Document.WithSyntaxRoot(
                        ReplaceInStrings(root, renameIn, Identifier(written, setting == FixProperties.ArgsSetting), suggestion))));
            else if (kind == FixProperties.KindReplaceWord && written is not null && suggestion is not null
                     && Container(node) is { } wordIn && WordLiteral(wordIn, setting, written) is { } literal)
                Register(context, diagnostic, $"Change \"{written}\" to \"{suggestion}\"", "PiXGen.Word." + suggestion,
                    ct => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(literal, StringLiteral(suggestion)))));
            else if (kind == FixProperties.KindChangeFieldType && p.TryGetValue(FixProperties.Type, out var type) && type is not null
                     && node.FirstAncestorOrSelf<FieldDeclarationSyntax>() is { } field)
                Register(context, diagnostic, $"Declare '{FieldName(field)}' as {ShortType(type)}", "PiXGen.FieldType." + type,
                    ct => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(field, WithType(field, type)))));
            else if (kind == FixProperties.KindAddShortcut && node.FirstAncestorOrSelf<ClassDeclarationSyntax>() is { } block
                     && p.TryGetValue(FixProperties.Channels, out var channels) && p.TryGetValue(FixProperties.Stride, out var stride))
                Register(context, diagnostic, $"Add a projection shortcut (1x1 Conv2d to {channels} channels, stride {stride}, and BatchNorm2d)",
                    "PiXGen.AddShortcut", ct => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(block, AddShortcut(block, channels!, stride!)))));
            else if (kind == FixProperties.KindFlattenBeforeLinear && node.FirstAncestorOrSelf<AttributeSyntax>() is { } linear
                     && linear.FirstAncestorOrSelf<FieldDeclarationSyntax>() is { } linearField)
            {
                if (p.TryGetValue(FixProperties.Pool, out var pool) && pool == "true")
                    Register(context, diagnostic, "Insert [AdaptiveAvgPool2d(1)] and [Flatten] before the Linear", "PiXGen.PoolFlatten",
                        ct => Task.FromResult(context.Document.WithSyntaxRoot(InsertBeforeLinear(root, linearField, linear, pool: true))));
                Register(context, diagnostic, "Insert [Flatten] before the Linear", "PiXGen.Flatten",
                    ct => Task.FromResult(context.Document.WithSyntaxRoot(InsertBeforeLinear(root, linearField, linear, pool: false))));
            }
        }
    }

    private static void Register(CodeFixContext context, Diagnostic diagnostic, string title, string key,
        System.Func<CancellationToken, Task<Document>> change)
        => context.RegisterCodeFix(CodeAction.Create(title, change, key), diagnostic);

    // ------------------------------------------------------------------ PIX0001

    private static ClassDeclarationSyntax MakePartial(ClassDeclarationSyntax cls)
    {
        var partial = Token(SyntaxKind.PartialKeyword).WithTrailingTrivia(Space);
        if (cls.Modifiers.Count == 0)
            return cls.WithModifiers(TokenList(partial.WithLeadingTrivia(cls.Keyword.LeadingTrivia)))
                      .WithKeyword(cls.Keyword.WithLeadingTrivia());
        return cls.WithModifiers(cls.Modifiers.Add(partial));
    }

    // ------------------------------------------------------------------ PIX0007

    private static async Task RegisterNearestBlockAsync(CodeFixContext context, Diagnostic diagnostic, SyntaxNode root, AttributeSyntax use)
    {
        var typeOf = use.DescendantNodes().OfType<TypeOfExpressionSyntax>().FirstOrDefault();
        var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (typeOf is null || model is null) return;
        var written = model.GetTypeInfo(typeOf.Type, context.CancellationToken).Type;
        var blocks = SourceTypes(model.Compilation.Assembly.GlobalNamespace)
            .Where(t => t.GetAttributes().Any(a => a.AttributeClass is { Name: "BlockAttribute" } c && c.ContainingNamespace?.ToDisplayString() == "PiXGen"))
            .ToList();
        var writtenName = written is null or IErrorTypeSymbol ? typeOf.Type.ToString().Split('.').Last() : written.Name;
        var name = Suggest.Closest(writtenName, blocks.Select(b => b.Name));
        var target = blocks.FirstOrDefault(b => b.Name == name);
        if (target is null) return;
        var display = target.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
        Register(context, diagnostic, $"Use block '{target.Name}'", "PiXGen.Block." + display,
            ct => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(typeOf.Type,
                ParseTypeName(display).WithTriviaFrom(typeOf.Type).WithAdditionalAnnotations(Simplifier.Annotation)))));
    }

    private static bool IsUse(AttributeSyntax a) => Simple(a.Name) is "Use" or "UseAttribute";

    private static IEnumerable<INamedTypeSymbol> SourceTypes(INamespaceSymbol ns)
    {
        foreach (var t in ns.GetTypeMembers()) yield return t;
        foreach (var inner in ns.GetNamespaceMembers())
            foreach (var t in SourceTypes(inner)) yield return t;
    }

    // ------------------------------------------------------------------ names and words in attribute strings

    /// <summary>The attribute the diagnostic is at, else the member (a [Let] or [Arg] field, a [Shortcut] member).</summary>
    private static SyntaxNode? Container(SyntaxNode node)
        => (SyntaxNode?)node.FirstAncestorOrSelf<AttributeSyntax>() ?? node.FirstAncestorOrSelf<MemberDeclarationSyntax>();

    /// <summary>A pattern for the identifier <paramref name="name"/>; in [Use]'s argument list only the argument name ("name:").</summary>
    private static Regex Identifier(string name, bool argumentName)
        => argumentName
            ? new Regex(@"(?<=(^|,)\s*)" + Regex.Escape(name) + @"(?=\s*:)")
            : new Regex(@"(?<![A-Za-z0-9_])" + Regex.Escape(name) + @"(?![A-Za-z0-9_])");

    private static SyntaxNode ReplaceInStrings(SyntaxNode root, SyntaxNode container, Regex pattern, string replacement)
    {
        var literals = container.DescendantNodes().OfType<LiteralExpressionSyntax>()
            .Where(l => l.IsKind(SyntaxKind.StringLiteralExpression) && pattern.IsMatch(l.Token.ValueText)).ToList();
        return root.ReplaceNodes(literals, (old, _) => StringLiteral(pattern.Replace(old.Token.ValueText, replacement)).WithTriviaFrom(old));
    }

    /// <summary>The string literal holding <paramref name="written"/>: in the named setting if there is one, else any.</summary>
    private static LiteralExpressionSyntax? WordLiteral(SyntaxNode container, string? setting, string written)
    {
        var candidates = container.DescendantNodes().OfType<LiteralExpressionSyntax>()
            .Where(l => l.IsKind(SyntaxKind.StringLiteralExpression) && l.Token.ValueText == written).ToList();
        return candidates.FirstOrDefault(l => l.Parent is AttributeArgumentSyntax { NameEquals: { } ne } && ne.Name.Identifier.Text == setting)
               ?? candidates.FirstOrDefault();
    }

    private static LiteralExpressionSyntax StringLiteral(string value)
        => LiteralExpression(SyntaxKind.StringLiteralExpression, Literal(value));

    // ------------------------------------------------------------------ field types

    private static string FieldName(FieldDeclarationSyntax field) => field.Declaration.Variables.FirstOrDefault()?.Identifier.Text ?? "field";

    private static string ShortType(string type)
    {
        var t = type.Replace("global::", "");
        int generic = t.IndexOf('<');
        var head = generic < 0 ? t : t.Substring(0, generic);
        var tail = generic < 0 ? "" : t.Substring(generic);
        return head.Substring(head.LastIndexOf('.') + 1) + Regex.Replace(tail, @"[A-Za-z0-9_]+\.", "");
    }

    private static TypeSyntax Qualified(string type) => ParseTypeName(type).WithAdditionalAnnotations(Simplifier.Annotation);

    private static FieldDeclarationSyntax WithType(FieldDeclarationSyntax field, string type)
    {
        var old = field.Declaration.Type;
        TypeSyntax replacement = Qualified(type);
        if (old is NullableTypeSyntax) replacement = NullableType(replacement);
        return field.WithDeclaration(field.Declaration.WithType(replacement.WithTriviaFrom(old)));
    }

    // ------------------------------------------------------------------ PIX0100

    private static ClassDeclarationSyntax AddShortcut(ClassDeclarationSyntax block, string channels, string stride)
    {
        // Conditional fields are nullable: a [Residual(When = ...)] makes the shortcut conditional too.
        bool conditional = block.AttributeLists.SelectMany(l => l.Attributes)
            .Any(a => Simple(a.Name) is "Residual" or "ResidualAttribute" && a.ArgumentList?.Arguments.Any(x => x.NameEquals?.Name.Identifier.Text == "When") == true);
        var name = UniqueName(block, "downsample");
        var field = (FieldDeclarationSyntax)ParseMemberDeclaration(
            $"[global::PiXGen.Shortcut] [global::PiXGen.Conv2d({channels}, Kernel = 1, Stride = {stride}, Bias = false)] [global::PiXGen.BatchNorm2d]\n" +
            $"readonly global::TorchSharp.Modules.Sequential{(conditional ? "?" : "")} {name};\n")!;
        field = field.WithAdditionalAnnotations(Simplifier.Annotation, Microsoft.CodeAnalysis.Formatting.Formatter.Annotation);
        field = (FieldDeclarationSyntax)new Annotate().Visit(field);
        // Before the first AfterAdd member (the layers after the add), else last.
        var afterAdd = block.Members.FirstOrDefault(m => m.AttributeLists.SelectMany(l => l.Attributes)
            .Any(a => a.ArgumentList?.Arguments.Any(x => x.NameEquals?.Name.Identifier.Text == "AfterAdd") == true));
        return afterAdd is null ? block.AddMembers(field) : block.InsertNodesBefore(afterAdd, new[] { field });
    }

    private static string Simple(NameSyntax name) => name switch
    {
        QualifiedNameSyntax q => q.Right.Identifier.Text,
        AliasQualifiedNameSyntax a => a.Name.Identifier.Text,
        SimpleNameSyntax s => s.Identifier.Text,
        _ => name.ToString(),
    };

    private static string UniqueName(TypeDeclarationSyntax type, string wanted)
    {
        var taken = new HashSet<string>(type.Members.OfType<FieldDeclarationSyntax>().SelectMany(f => f.Declaration.Variables).Select(v => v.Identifier.Text));
        if (!taken.Contains(wanted)) return wanted;
        for (int i = 2; ; i++) if (!taken.Contains(wanted + i)) return wanted + i;
    }

    /// <summary>Marks every qualified name for simplification (global::PiXGen.Shortcut → Shortcut where PiXGen is imported).</summary>
    private sealed class Annotate : CSharpSyntaxRewriter
    {
        public override SyntaxNode? VisitAliasQualifiedName(AliasQualifiedNameSyntax node) => node.WithAdditionalAnnotations(Simplifier.Annotation);
        public override SyntaxNode? VisitQualifiedName(QualifiedNameSyntax node) => node.WithAdditionalAnnotations(Simplifier.Annotation);
    }

    // ------------------------------------------------------------------ PIX0105

    private static SyntaxNode InsertBeforeLinear(SyntaxNode root, FieldDeclarationSyntax field, AttributeSyntax linear, bool pool)
    {
        var owner = field.FirstAncestorOrSelf<TypeDeclarationSyntax>();
        bool sequential = field.Declaration.Type.ToString().TrimEnd('?').EndsWith("Sequential");
        if (sequential)
        {
            // A numbered Sequential: the new items go into the field's attributes, before [Linear], qualified as it is.
            var qualifier = linear.Name is QualifiedNameSyntax q ? q.Left + "." : "";
            var items = (pool ? $"[{qualifier}AdaptiveAvgPool2d(1)] " : "") + $"[{qualifier}Flatten] ";
            var list = linear.Parent!;
            var text = root.SyntaxTree.GetText().WithChanges(new TextChange(new TextSpan(list.SpanStart, 0), items));
            return root.SyntaxTree.WithChangedText(text).GetRoot();
        }
        var fields = new List<FieldDeclarationSyntax>();
        string Name(string wanted) => owner is null ? wanted : UniqueName(owner, wanted);
        if (pool)
            fields.Add(NewField("[global::PiXGen.AdaptiveAvgPool2d(1)]", "global::TorchSharp.Modules.AdaptiveAvgPool2d", Name("pool"), field));
        fields.Add(NewField("[global::PiXGen.Flatten]", "global::TorchSharp.Modules.Flatten", Name("flatten"), field));
        return root.InsertNodesBefore(field, fields);
    }

    private static FieldDeclarationSyntax NewField(string attribute, string type, string name, FieldDeclarationSyntax like)
    {
        var f = (FieldDeclarationSyntax)ParseMemberDeclaration($"{attribute} readonly {type} {name};")!;
        f = (FieldDeclarationSyntax)new Annotate().Visit(f);
        // The indentation and line ending of the field it goes before.
        var eol = like.GetTrailingTrivia().Where(t => t.IsKind(SyntaxKind.EndOfLineTrivia)).DefaultIfEmpty(EndOfLine("\n")).Last();
        return f.WithLeadingTrivia(like.GetLeadingTrivia().Where(t => t.IsKind(SyntaxKind.WhitespaceTrivia)))
                .WithTrailingTrivia(eol);
    }
}
