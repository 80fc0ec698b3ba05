/* An array map used through bpf_map_lookup_elem, the way Serval's BPF verifier models helper calls: the lookup
 * returns NULL for a key past the end, so a program that dereferences the result without checking it has a bug. */
typedef unsigned long long u64;
struct bpf_map_def { unsigned int type, key_size, value_size, max_entries, map_flags; };
struct bpf_map_def __attribute__((section("maps"), used)) counters = { 2 /* BPF_MAP_TYPE_ARRAY */, 4, 8, 16, 0 };
static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *) 1;

u64 get(u64 index) { unsigned key = index; u64 *v = bpf_map_lookup_elem(&counters, &key); if (!v) return 0; return *v; }
u64 get_unchecked(u64 index) { unsigned key = index; u64 *v = bpf_map_lookup_elem(&counters, &key); return *v; }
u64 bump(u64 index, u64 by)
{
    unsigned key = index;
    u64 *v = bpf_map_lookup_elem(&counters, &key);
    if (!v)
        return ~0ULL;
    *v += by;
    key = index ^ 1;
    u64 *w = bpf_map_lookup_elem(&counters, &key);
    return w ? *v * 100 + *w : 0;
}
