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
        // Plausible: at most a third of the longer name differs (and at least one character may), and something of the
        // shorter name is left (one-letter names are not each other's typos).
        return best is not null && bestDistance <= Math.Max(1, Math.Max(written.Length, best.Length) / 3)
               && bestDistance < Math.Min(written.Length, best.Length) ? best : null;
    }

    /// <summary>Edit distance counting an insertion, deletion, substitution or swap of two neighbours as one edit
    /// (optimal string alignment), so that "widht" is one edit from "width".</summary>
    public static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
            for (int j = 1; j <= b.Length; j++)
            {
                d[i, j] = Math.Min(Math.Min(d[i, j - 1] + 1, d[i - 1, j] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        return d[a.Length, b.Length];
    }
}
