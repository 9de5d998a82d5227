print("junction-bench")
