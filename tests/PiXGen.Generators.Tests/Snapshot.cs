using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text;
using DiffPlex.Renderer;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace PiXGen.Generators.Tests;

/// <summary>
/// A small in-repo snapshot helper with Verify's file naming, in <c>Snapshots/</c> beside this file:
/// <c>{TestClass}.{TestMethod}.verified.{ext}</c>, or <c>{TestClass}.{TestMethod}#{HintName}.verified.cs</c> when
/// a test snapshots several generated files. On a mismatch (or a missing verified file) the helper writes
/// <c>.received.{ext}</c> beside it and fails with a unified diff. Set <c>PIXGEN_ACCEPT_SNAPSHOTS=1</c> to
/// accept: the received text becomes the verified file. The test class name is taken from the calling
/// file's name, so keep one test class per file, named like the file.
/// </summary>
public static class Snapshot
{
    private static bool Accept => Environment.GetEnvironmentVariable("PIXGEN_ACCEPT_SNAPSHOTS") == "1";

    /// <summary>
    /// Snapshots the files of <paramref name="run"/> that <paramref name="include"/> selects (all when null),
    /// and fails on a stale verified file of this test.
    /// </summary>
    public static void VerifyGenerated(GeneratorRun run, Func<GeneratedFile, bool>? include = null,
        [CallerFilePath] string callerFile = "", [CallerMemberName] string test = "")
    {
        var files = run.Files.Where(include ?? (_ => true)).ToList();
        if (files.Count == 0) throw new Xunit.Sdk.XunitException("The generator produced no files:\n" + GeneratorRun.Describe(run.GeneratorDiagnostics));
        var (dir, prefix) = Locate(callerFile, test);
        var expected = new List<string>();
        var failures = new List<string>();
        foreach (var f in files)
        {
            var name = files.Count == 1 ? prefix : $"{prefix}#{StripCs(f.HintName)}";
            expected.Add(name + ".verified.cs");
            var failure = Compare(dir, name, "cs", f.Text);
            if (failure is not null) failures.Add(failure);
        }
        // Verified files of this test that no longer correspond to a generated file.
        foreach (var stale in Directory.EnumerateFiles(dir, prefix + "*.verified.cs").Select(Path.GetFileName))
        {
            if (stale is null || expected.Contains(stale)) continue;
            var rest = stale.Substring(prefix.Length);
            if (!(rest == ".verified.cs" || rest.StartsWith("#", StringComparison.Ordinal))) continue; // another test's prefix
            if (Accept) File.Delete(Path.Combine(dir, stale));
            else failures.Add($"{stale}: verified file has no generated counterpart any more (delete it, or accept snapshots)");
        }
        if (failures.Count > 0) throw new Xunit.Sdk.XunitException(string.Join("\n\n", failures));
    }

    /// <summary>Snapshots <paramref name="text"/> as <c>{TestClass}.{TestMethod}.verified.{extension}</c>.</summary>
    public static void Verify(string text, string extension = "txt", [CallerFilePath] string callerFile = "", [CallerMemberName] string test = "")
    {
        var (dir, prefix) = Locate(callerFile, test);
        var failure = Compare(dir, prefix, extension, text);
        if (failure is not null) throw new Xunit.Sdk.XunitException(failure);
    }

    /// <summary>Snapshots the diagnostics rendered by <see cref="Render(IEnumerable{Diagnostic})"/>.</summary>
    public static void VerifyDiagnostics(IEnumerable<Diagnostic> diagnostics, [CallerFilePath] string callerFile = "", [CallerMemberName] string test = "")
        => Verify(Render(diagnostics), "txt", callerFile, test);

    /// <summary>
    /// One block per diagnostic, in source order: <c>ID Severity (line,col)-(line,col): message</c> (1-based),
    /// then each source line of the span with a caret underline beneath the covered columns.
    /// </summary>
    public static string Render(IEnumerable<Diagnostic> diagnostics)
    {
        var sb = new StringBuilder();
        var ordered = diagnostics
            .OrderBy(d => d.Location.SourceTree?.FilePath ?? "", StringComparer.Ordinal)
            .ThenBy(d => d.Location.SourceSpan.Start).ThenBy(d => d.Id, StringComparer.Ordinal)
            .ThenBy(d => d.GetMessage(), StringComparer.Ordinal);
        foreach (var d in ordered)
        {
            if (sb.Length > 0) sb.Append('\n');
            var span = d.Location.GetLineSpan();
            var where = d.Location.IsInSource || d.Location.Kind == LocationKind.ExternalFile
                ? $"({span.StartLinePosition.Line + 1},{span.StartLinePosition.Character + 1})-({span.EndLinePosition.Line + 1},{span.EndLinePosition.Character + 1})"
                : "(no location)";
            sb.Append($"{d.Id} {d.Severity} {where}: {d.GetMessage()}\n");
            if (d.Location.SourceTree is { } tree) AppendUnderline(sb, tree.GetText(), d.Location.SourceSpan);
        }
        return sb.ToString();
    }

    private static void AppendUnderline(StringBuilder sb, SourceText text, TextSpan span)
    {
        var first = text.Lines.GetLineFromPosition(span.Start).LineNumber;
        var last = text.Lines.GetLineFromPosition(Math.Max(span.Start, span.End - 1)).LineNumber;
        for (int n = first; n <= last; n++)
        {
            var line = text.Lines[n];
            var lineText = line.ToString();
            int from = Math.Max(span.Start, line.Start) - line.Start;
            int to = Math.Min(span.End, line.End) - line.Start;
            sb.Append("  ").Append(lineText.TrimEnd()).Append('\n');
            sb.Append("  ").Append(new string(' ', from)).Append(new string('^', Math.Max(1, to - from))).Append('\n');
        }
    }

    private static string StripCs(string hintName)
        => hintName.EndsWith(".cs", StringComparison.Ordinal) ? hintName.Substring(0, hintName.Length - 3) : hintName;

    private static (string Dir, string Prefix) Locate(string callerFile, string test)
    {
        if (string.IsNullOrEmpty(callerFile) || !File.Exists(callerFile))
            throw new InvalidOperationException($"cannot locate the snapshot directory from caller file '{callerFile}'");
        var dir = Path.Combine(Path.GetDirectoryName(callerFile)!, "Snapshots");
        Directory.CreateDirectory(dir);
        return (dir, $"{Path.GetFileNameWithoutExtension(callerFile)}.{test}");
    }

    internal static string Normalize(string text) => text.Replace("\r\n", "\n").Replace('\r', '\n');

    /// <summary>Null when <paramref name="actual"/> matches the verified file; otherwise a failure message.</summary>
    private static string? Compare(string dir, string name, string extension, string actual)
    {
        actual = Normalize(actual);
        var verifiedPath = Path.Combine(dir, $"{name}.verified.{extension}");
        var receivedPath = Path.Combine(dir, $"{name}.received.{extension}");
        var verified = File.Exists(verifiedPath) ? Normalize(File.ReadAllText(verifiedPath)) : null;
        if (verified == actual)
        {
            if (File.Exists(receivedPath)) File.Delete(receivedPath);
            return null;
        }
        if (Accept)
        {
            File.WriteAllText(verifiedPath, actual);
            if (File.Exists(receivedPath)) File.Delete(receivedPath);
            return null;
        }
        File.WriteAllText(receivedPath, actual);
        if (verified is null)
            return $"No verified snapshot {Path.GetFileName(verifiedPath)} yet; wrote {Path.GetFileName(receivedPath)}. " +
                   "Review it, then rename it to .verified (or run with PIXGEN_ACCEPT_SNAPSHOTS=1).\n" + actual;
        var diff = UnidiffRenderer.GenerateUnidiff(verified, actual, Path.GetFileName(verifiedPath), Path.GetFileName(receivedPath),
            ignoreWhitespace: false, ignoreCase: false, contextLines: 3);
        return $"Snapshot {Path.GetFileName(verifiedPath)} does not match; wrote {Path.GetFileName(receivedPath)}.\n{diff}";
    }
}
