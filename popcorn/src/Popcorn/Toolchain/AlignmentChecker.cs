namespace Popcorn.Toolchain;

/// <summary>A symbol both ISAs define whose address differs.</summary>
/// <param name="Name">The symbol (with its source file for a local symbol: <c>file.c:name</c>).</param>
/// <param name="Addresses">Its address on each ISA.</param>
public sealed record MisalignedSymbol(string Name, IReadOnlyDictionary<TargetIsa, ulong> Addresses);

/// <summary>The result of comparing the symbol tables of the per-ISA executables.</summary>
/// <param name="CommonSymbols">How many symbols every ISA defines (functions, objects, TLS).</param>
/// <param name="Misaligned">The common symbols whose addresses differ.</param>
/// <param name="IsaOnly">Per ISA, the symbols only that ISA defines.</param>
/// <param name="Overlapping">ISA-only symbols of one ISA that overlap a symbol of another ISA.</param>
public sealed record AlignmentReport(int CommonSymbols, IReadOnlyList<MisalignedSymbol> Misaligned,
    IReadOnlyDictionary<TargetIsa, IReadOnlyList<ElfSymbol>> IsaOnly, IReadOnlyList<string> Overlapping)
{
    /// <summary>True when every common symbol sits at the same address and no ISA-only symbol overlaps another ISA's.</summary>
    public bool IsAligned => Misaligned.Count == 0 && Overlapping.Count == 0;
}

/// <summary>
/// The <c>check-align</c> validator: every function, global and TLS symbol that all ISAs define must have the same
/// address (the same TLS offset) on all of them, and ISA-only symbols must not overlap another ISA's symbols.
/// </summary>
public static class AlignmentChecker
{
    /// <summary>Compares the symbol tables of the per-ISA executables.</summary>
    public static AlignmentReport Check(IReadOnlyDictionary<TargetIsa, ElfSymbolTable> binaries)
    {
        ArgumentNullException.ThrowIfNull(binaries);
        var isas = binaries.Keys.OrderBy(i => i).ToArray();
        var byKey = isas.ToDictionary(isa => isa, isa => binaries[isa].Symbols
            .GroupBy(Key)
            .ToDictionary(g => g.Key, g => g.Select(s => s.Value).Order().ToArray()));
        var common = byKey[isas[0]].Keys.Where(k => isas.All(isa => byKey[isa].ContainsKey(k))).Order(StringComparer.Ordinal).ToList();
        var misaligned = new List<MisalignedSymbol>();
        foreach (var key in common)
        {
            var reference = byKey[isas[0]][key];
            if (isas.Any(isa => !byKey[isa][key].SequenceEqual(reference)))
            {
                misaligned.Add(new MisalignedSymbol(key, isas.ToDictionary(isa => isa, isa => byKey[isa][key][0])));
            }
        }
        var commonSet = common.ToHashSet(StringComparer.Ordinal);
        var isaOnly = isas.ToDictionary(isa => isa, isa => (IReadOnlyList<ElfSymbol>)binaries[isa].Symbols.Where(s => !commonSet.Contains(Key(s))).ToList());

        var overlapping = new List<string>();
        foreach (var isa in isas)
        {
            foreach (var only in isaOnly[isa].Where(s => s.Kind != ElfSymbolKind.ThreadLocal && s.Size > 0))
            {
                foreach (var other in isas.Where(o => o != isa))
                {
                    var hit = binaries[other].Symbols.FirstOrDefault(s => s.Kind != ElfSymbolKind.ThreadLocal && s.Size > 0
                        && s.Value < only.Value + only.Size && only.Value < s.Value + s.Size);
                    if (hit is not null)
                    {
                        overlapping.Add($"{Key(only)} ({isa.Name()} only) overlaps {Key(hit)} on {other.Name()}");
                    }
                }
            }
        }
        return new AlignmentReport(common.Count, misaligned, isaOnly, overlapping);
    }

    private static string Key(ElfSymbol symbol) =>
        (symbol.Kind == ElfSymbolKind.ThreadLocal ? "tls:" : "") + (symbol.Scope.Length == 0 ? symbol.Name : $"{symbol.Scope}:{symbol.Name}");
}
