"""Certificates for the TLS interop tests, made with the openssl CLI at test time (none is committed):
a CA, a server certificate for 127.0.0.1/localhost, client certificates whose common name names a
user, and a second CA that the broker does not trust."""

import os
import ssl
import subprocess


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


class CertificateAuthority:
    """A throwaway CA in `directory`; `issue` signs server and client certificates with it."""

    def __init__(self, directory, name):
        self.directory = str(directory)
        self.name = name
        os.makedirs(self.directory, exist_ok=True)
        self.key = os.path.join(self.directory, f"{name}.key")
        self.cert = os.path.join(self.directory, f"{name}.pem")
        _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                 "-keyout", self.key, "-out", self.cert, "-days", "2", "-subj", f"/CN={name}",
                 cwd=self.directory)
        self._serial = 0

    def issue(self, file_stem, common_name, server=False):
        """Signs a new key's certificate; returns (cert_path, key_path). Server certificates name
        127.0.0.1 and localhost; client certificates are for client authentication."""
        self._serial += 1
        key = os.path.join(self.directory, f"{file_stem}.key")
        csr = os.path.join(self.directory, f"{file_stem}.csr")
        cert = os.path.join(self.directory, f"{file_stem}.pem")
        extensions = os.path.join(self.directory, f"{file_stem}.ext")
        with open(extensions, "w") as f:
            if server:
                f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n")
            else:
                f.write("extendedKeyUsage=clientAuth\n")
        _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key,
                 "-out", csr, "-subj", f"/CN={common_name}", cwd=self.directory)
        _openssl("x509", "-req", "-in", csr, "-CA", self.cert, "-CAkey", self.key, "-out", cert, "-days", "2",
                 "-set_serial", str(int.from_bytes(os.urandom(8), "big")), "-extfile", extensions,
                 cwd=self.directory)
        return cert, key


def client_context(ca_file, cert=None, key=None):
    """An SSLContext that trusts `ca_file` and checks the server's name, with a client certificate if given."""
    context = ssl.create_default_context(cafile=ca_file)
    if cert:
        context.load_cert_chain(cert, key)
    return context

