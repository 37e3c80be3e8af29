#!/usr/bin/env python3
"""Can TorchSharp's native bridge (libLibTorchSharp.so) run on another libtorch, e.g. a PyTorch installation's?

Reads the ELF dynamic symbol tables (no external tools needed; c++filt is used for demangling when present):
every symbol libLibTorchSharp.so imports is looked up among the symbols the libtorch libraries in --torch-lib
export, then among the system C/C++ runtime libraries. Unresolved strong imports mean the dynamic loader will
refuse (or, for lazily bound functions, crash at the first call). With --dlopen the script also asks the real
loader: it dlopens the library with RTLD_NOW and LD_LIBRARY_PATH set to --torch-lib.

  python3 abi_check.py --lib libLibTorchSharp.so --torch-lib /usr/lib/x86_64-linux-gnu [--dlopen] [--json out.json]
  python3 abi_check.py --lib libLibTorchSharp.so --torch-lib "$(python3 -c 'import torch,os;print(os.path.dirname(torch.__file__)+"/lib")')"

Exit code 0 when every strong import resolves, 1 when some do not, 2 on bad arguments.
"""
import argparse
import glob
import json
import os
import shutil
import struct
import subprocess
import sys

SHT_DYNSYM = 11
STB_WEAK = 2
SYSTEM_LIBS = ["libstdc++.so.6", "libc.so.6", "libm.so.6", "libgcc_s.so.1", "ld-linux-x86-64.so.2", "libpthread.so.0", "libdl.so.2"]
SYSTEM_DIRS = ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib"]


def dynsyms(path):
    """(defined names, undefined strong names, undefined weak names) of an ELF64 little-endian shared object."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise ValueError(f"{path}: not an ELF64 little-endian file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    sections = []
    for i in range(shnum):
        off = shoff + i * shentsize
        name, stype, flags, addr, offset, size, link, info, align, entsize = struct.unpack_from("<IIQQQQIIQQ", data, off)
        sections.append((stype, offset, size, link, entsize))
    defined, undef_strong, undef_weak = set(), set(), set()
    for stype, offset, size, link, entsize in sections:
        if stype != SHT_DYNSYM:
            continue
        str_off = sections[link][1]
        for k in range(size // entsize):
            st_name, st_info, st_other, st_shndx, st_value, st_size = struct.unpack_from("<IBBHQQ", data, offset + k * entsize)
            if st_name == 0:
                continue
            end = data.index(b"\0", str_off + st_name)
            name = data[str_off + st_name:end].decode("ascii", "replace")
            if st_shndx == 0:
                (undef_weak if (st_info >> 4) == STB_WEAK else undef_strong).add(name)
            else:
                defined.add(name)
    return defined, undef_strong, undef_weak


def demangle(names):
    tool = shutil.which("c++filt")
    if not tool or not names:
        return list(names)
    out = subprocess.run([tool], input="\n".join(names), capture_output=True, text=True).stdout.splitlines()
    return out if len(out) == len(names) else list(names)


def find_system_lib(name):
    for d in SYSTEM_DIRS:
        p = os.path.join(d, name)
        if os.path.exists(p):
            return os.path.realpath(p)
    return None


def torch_libs(folder):
    """The libtorch/c10 libraries in folder (real files, each once)."""
    seen, libs = set(), []
    for pattern in ("libtorch*.so*", "libc10*.so*"):
        for p in sorted(glob.glob(os.path.join(folder, pattern))):
            real = os.path.realpath(p)
            if real not in seen and os.path.isfile(real):
                seen.add(real)
                libs.append(real)
    return libs


SHT_GNU_VERNEED = 0x6FFFFFFE
VER_FLG_WEAK = 0x2
# Referenced by libLibTorchSharp.so but never called; PiXGen's build weakens its version need (docs/platform.md).
KNOWN_UNCALLED = {"_ZSt21ios_base_library_initv"}


def weakened_copy(path, version, folder):
    """A copy of path in folder whose need for `version` (e.g. GLIBCXX_3.4.32) is marked VER_FLG_WEAK, as PiXGen's
    build does to its output copy; returns the copy's path (the original is never modified)."""
    data = bytearray(open(path, "rb").read())
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    secs = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    for name, stype, flags, addr, offset, size, link, info, align, entsize in secs:
        if stype != SHT_GNU_VERNEED:
            continue
        strtab = secs[link][4]
        vn = offset
        for _ in range(info):
            vn_version, vn_cnt, vn_file, vn_aux, vn_next = struct.unpack_from("<HHIII", data, vn)
            aux = vn + vn_aux
            for _ in range(vn_cnt):
                vna_hash, vna_flags, vna_other, vna_name, vna_next = struct.unpack_from("<IHHII", data, aux)
                end = data.index(0, strtab + vna_name)
                if data[strtab + vna_name:end].decode() == version:
                    struct.pack_into("<H", data, aux + 4, vna_flags | VER_FLG_WEAK)
                aux += vna_next
            vn += vn_next
    out = os.path.join(folder, os.path.basename(path))
    with open(out, "wb") as f:
        f.write(data)
    return out


def dlopen_check(lib, folder, now):
    env = dict(os.environ)
    env["LD_LIBRARY_PATH"] = folder + (":" + env["LD_LIBRARY_PATH"] if env.get("LD_LIBRARY_PATH") else "")
    flag = "os.RTLD_NOW" if now else "os.RTLD_LAZY"
    code = f"import ctypes,os,sys; ctypes.CDLL(sys.argv[1], mode={flag}|os.RTLD_GLOBAL); print('loaded')"
    r = subprocess.run([sys.executable, "-c", code, lib], env=env, capture_output=True, text=True)
    return r.returncode == 0, (r.stdout + r.stderr).strip().splitlines()[-1:] or [""]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lib", required=True, help="libLibTorchSharp.so")
    ap.add_argument("--torch-lib", required=True, help="folder holding libtorch*.so and libc10*.so")
    ap.add_argument("--dlopen", action="store_true", help="also dlopen the library with RTLD_NOW against --torch-lib")
    ap.add_argument("--json", help="write the result here")
    ap.add_argument("--show", type=int, default=25, help="how many unresolved symbols to list")
    a = ap.parse_args()
    if not os.path.isfile(a.lib) or not os.path.isdir(a.torch_lib):
        print(f"abi_check: --lib {a.lib} must be a file and --torch-lib {a.torch_lib} a folder", file=sys.stderr)
        return 2

    _, imports, weak = dynsyms(a.lib)
    libs = torch_libs(a.torch_lib)
    torch_defined = set()
    for p in libs:
        torch_defined |= dynsyms(p)[0]
    system_defined = set()
    for name in SYSTEM_LIBS:
        p = find_system_lib(name)
        if p:
            system_defined |= dynsyms(p)[0]

    by_torch = imports & torch_defined
    by_system = (imports - by_torch) & system_defined
    uncalled = sorted((imports - by_torch - by_system) & KNOWN_UNCALLED)
    unresolved = sorted(imports - by_torch - by_system - KNOWN_UNCALLED)
    torch_like = [s for s in unresolved if any(t in s for t in ("2at", "3c10", "5torch", "6caffe2"))]
    result = {
        "lib": a.lib,
        "torch_lib": a.torch_lib,
        "torch_libraries": [os.path.basename(p) for p in libs],
        "imports": len(imports),
        "weak_imports": len(weak),
        "resolved_by_torch": len(by_torch),
        "resolved_by_system": len(by_system),
        "unresolved": len(unresolved),
        "unresolved_known_uncalled": demangle(uncalled),
        "unresolved_torch_namespaces": len(torch_like),
        "unresolved_sample": demangle(unresolved[: a.show]),
    }
    if a.dlopen:
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            lib = weakened_copy(a.lib, "GLIBCXX_3.4.32", tmp)
            for now in (False, True):
                ok, last = dlopen_check(lib, a.torch_lib, now)
                result["dlopen_rtld_now" if now else "dlopen_rtld_lazy"] = "loaded" if ok else "failed: " + last[0]

    print(f"{os.path.basename(a.lib)} against {a.torch_lib} ({', '.join(result['torch_libraries']) or 'no libtorch found'})")
    print(f"  strong imports: {result['imports']} (weak: {result['weak_imports']})")
    print(f"  resolved by libtorch/c10: {result['resolved_by_torch']}, by the C/C++ runtime: {result['resolved_by_system']}")
    print(f"  UNRESOLVED: {result['unresolved']} ({result['unresolved_torch_namespaces']} in at::, c10::, torch::)"
          + (f"; also {', '.join(result['unresolved_known_uncalled'])}: referenced, never called" if uncalled else ""))
    for s in result["unresolved_sample"]:
        print(f"    {s}")
    for key, label in (("dlopen_rtld_lazy", "RTLD_LAZY, as .NET loads it"), ("dlopen_rtld_now", "RTLD_NOW, every function bound")):
        if key in result:
            print(f"  dlopen ({label}, GLIBCXX_3.4.32 need weakened as PiXGen's build does): {result[key]}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(result, f, indent=2)
    return 0 if not unresolved else 1


if __name__ == "__main__":
    sys.exit(main())
