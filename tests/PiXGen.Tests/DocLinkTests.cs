using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;

namespace PiXGen.Tests;

/// <summary>
/// Every relative link of README.md and docs/**/*.md points at a file of the repository, and every <c>#anchor</c> in it
/// at a heading (as GitHub makes anchors of headings) or an <c>&lt;a id&gt;</c> of the linked Markdown file.
/// </summary>
public class DocLinkTests
{
    private static readonly Regex Link = new(@"\]\((?<target>[^)\s]+)\)", RegexOptions.Compiled);
    private static readonly Regex Heading = new(@"^#{1,6}\s+(?<text>.+?)\s*#*\s*$", RegexOptions.Compiled | RegexOptions.Multiline);
    private static readonly Regex HtmlId = new(@"<a\s+(?:id|name)=""(?<id>[^""]+)""", RegexOptions.Compiled);
    private static readonly Regex CodeBlock = new(@"^```.*?^```", RegexOptions.Compiled | RegexOptions.Multiline | RegexOptions.Singleline);
    private static readonly Regex InlineCode = new(@"`[^`\n]*`", RegexOptions.Compiled);

    /// <summary>GitHub's anchor of a heading: lower case, punctuation and symbols dropped, spaces as hyphens; a repeated
    /// heading gets -1, -2, ...</summary>
    internal static string Slug(string heading)
    {
        var text = heading.Trim().ToLowerInvariant().Replace("`", "");
        text = Regex.Replace(text, @"\[(?<t>[^\]]*)\]\([^)]*\)", "${t}"); // a link in a heading keeps its text
        var kept = text.Where(c => char.IsLetterOrDigit(c) || c is ' ' or '-' or '_').ToArray();
        return new string(kept).Replace(' ', '-');
    }

    private static HashSet<string> Anchors(string markdown)
    {
        var prose = CodeBlock.Replace(markdown, "");
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (Match m in Heading.Matches(prose)) {
            string slug = Slug(m.Groups["text"].Value);
            int n = seen.GetValueOrDefault(slug);
            anchors.Add(n == 0 ? slug : $"{slug}-{n}");
            seen[slug] = n + 1;
        }
        foreach (Match m in HtmlId.Matches(markdown)) anchors.Add(m.Groups["id"].Value);
        return anchors;
    }

    public static IEnumerable<object[]> Files()
    {
        string root = DocSnippetTests.RepositoryRoot();
        return DocSnippetTests.DocFiles().Select(f => new object[] { Path.GetRelativePath(root, f).Replace('\\', '/') });
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Every_relative_link_reaches_its_file_and_anchor(string file)
    {
        string root = DocSnippetTests.RepositoryRoot();
        string path = Path.Combine(root, file);
        var prose = InlineCode.Replace(CodeBlock.Replace(File.ReadAllText(path), ""), "");
        var broken = new List<string>();
        var read = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal); // each linked file read once
        HashSet<string> AnchorsOf(string md) => read.TryGetValue(md, out var a) ? a : read[md] = Anchors(File.ReadAllText(md));
        foreach (Match m in Link.Matches(prose)) {
            string target = m.Groups["target"].Value;
            if (Regex.IsMatch(target, @"^[a-z][a-z0-9+.-]*:", RegexOptions.IgnoreCase)) continue; // https:, mailto:
            int hash = target.IndexOf('#');
            string relative = hash < 0 ? target : target[..hash], anchor = hash < 0 ? "" : Uri.UnescapeDataString(target[(hash + 1)..]);
            string resolved = relative.Length == 0 ? path : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, Uri.UnescapeDataString(relative)));
            if (!File.Exists(resolved) && !Directory.Exists(resolved)) { broken.Add($"{target}: no such file"); continue; }
            if (anchor.Length > 0 && resolved.EndsWith(".md", StringComparison.Ordinal) && !AnchorsOf(resolved).Contains(anchor))
                broken.Add($"{target}: no heading or <a id> '{anchor}' in {Path.GetRelativePath(root, resolved)}");
        }
        Assert.True(broken.Count == 0, $"{file}: {string.Join("; ", broken)}");
    }

    /// <summary>A path into the repository's top folders, as the docs name files in prose and in code spans.</summary>
    private static readonly Regex RepositoryPath = new(@"(?<![\w/.-])(?<path>(?:src|tests|tools|examples|generators|templates|docs|device)/[\w./+-]*\w)", RegexOptions.Compiled);

    [Theory]
    [MemberData(nameof(Files))]
    public void Every_repository_path_it_names_exists(string file)
    {
        string root = DocSnippetTests.RepositoryRoot();
        var missing = RepositoryPath.Matches(File.ReadAllText(Path.Combine(root, file)))
            .Select(m => m.Groups["path"].Value)
            .Where(p => !p.Contains("/bin/", StringComparison.Ordinal) && !p.Contains("/obj/", StringComparison.Ordinal)) // build outputs
            .Where(p => !File.Exists(Path.Combine(root, p)) && !Directory.Exists(Path.Combine(root, p)))
            .Distinct().ToList();
        Assert.True(missing.Count == 0, $"{file} names paths that do not exist: {string.Join(", ", missing)}");
    }

    [Theory]
    [InlineData("glibc's malloc and libtorch's large blocks", "glibcs-malloc-and-libtorchs-large-blocks")]
    [InlineData("1. Export the network to PyTorch", "1-export-the-network-to-pytorch")]
    [InlineData("Families", "families")]
    [InlineData("PiX on ONNX Runtime's blocked layout (7 December 2026, 04:37–04:42 UTC)", "pix-on-onnx-runtimes-blocked-layout-7-december-2026-04370442-utc")]
    [InlineData("`bench --engines` and the `fused` engine", "bench---engines-and-the-fused-engine")]
    public void Slugs_follow_github(string heading, string slug) => Assert.Equal(slug, Slug(heading));
}
