using System;
using System.Collections.Generic;
using System.Linq;

namespace PiXGen.Generators.Parsing;

/// <summary>"Did you mean" suggestions: the known name closest to what was written (edit distance, case-insensitive).</summary>
public static class Suggest
{
    /// <summary>The closest of <paramref name="known"/> to <paramref name="written"/>, or null when none is plausibly meant.</summary>
    public static string? Closest(string written, IEnumerable<string> known)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (var k in known)
        {
            int d = Distance(written.ToLowerInvariant(), k.ToLowerInvariant());
            if (d < bestDistance) { bestDistance = d; best = k; }
        }
        // Plausible: at most a third of the longer name differs (and at least one character may).
        return best is not null && bestDistance <= Math.Max(1, Math.Max(written.Length, best.Length) / 3) ? best : null;
    }

    /// <summary>Levenshtein distance.</summary>
    public static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        var current = new int[b.Length + 1];
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
