"""`tutor local launch` rehearsed on podman: the tools, the stand-in images, the docker shim."""
