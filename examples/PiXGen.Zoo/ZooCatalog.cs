using System.Collections.Generic;
using System.Linq;
using PiXGen.Generated;

namespace PiXGen.Zoo;

/// <summary>The zoo's networks (the generated, assembly-internal catalogue made public).</summary>
public static class ZooCatalog
{
    /// <summary>Every zoo network, in name order.</summary>
    public static IReadOnlyList<NetworkInfo> Models => PiXGenNetworks.All;

    /// <summary>The network named <paramref name="name"/> (torchvision's name), or null.</summary>
    public static NetworkInfo? Find(string name) => Models.FirstOrDefault(m => m.Name == name);
}
