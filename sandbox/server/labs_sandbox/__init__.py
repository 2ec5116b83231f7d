"""The EMR sandbox: moto's AWS emulator with an EMR whose clusters are real YARN minicluster and whose steps run."""
